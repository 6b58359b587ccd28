"""The three roles, as Django groups, and the capabilities each one holds.

A capability is a Django permission of this app (`leadscore_site.<codename>`);
`leadscore_site/access.py` says which capability every URL needs.
"""

MARKETER = "Marketer"
SALES_MANAGER = "Sales manager"
ADMIN = "Admin"

CAPABILITIES = {
    "prepare_data": "Upload lead histories and map their columns",
    "train_models": "Train models and follow training runs",
    "view_models": "See models, their quality and what drives conversion",
    "view_leads": "See ranked leads, lead pages and the call queue",
    "score_leads": "Score new leads from a file or a form",
    "record_outcomes": "Record whether leads were won or lost",
    "export_leads": "Download leads and scored files as CSV",
    "manage_routing": "Change tiers, routing rules and webhooks; resend deliveries",
    "manage_schedule": "Schedule retraining",
    "promote_models": "Choose which model version scores leads",
    "manage_tokens": "Create and revoke API tokens",
    "view_workers": "See the job queues and workers",
}

ROLE_CAPABILITIES = {
    # Marketers also see and score leads: their first model ends in a ranked
    # list (issue 2), and scoring a file of new leads is part of their job.
    MARKETER: [
        "prepare_data",
        "train_models",
        "view_models",
        "view_leads",
        "score_leads",
    ],
    SALES_MANAGER: ["view_leads", "score_leads", "record_outcomes", "export_leads"],
    ADMIN: list(CAPABILITIES),
}

# Admins also manage users in the admin site, and edit every Leadscore record
# there (tiers among them), so their group holds these apps' model permissions.
ADMIN_MODEL_APPS = ("auth", "datasets", "modeling", "routing", "axes")
