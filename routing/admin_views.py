from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from routing import forms
from routing.access import admin_required
from routing.deliveries import resend
from routing.models import ApiToken, Delivery, RoutingRule, Tier
from routing.tier_editing import preview_page, save_tiers, weekly_volume
from routing.tokens import (
    SCOPE_NAMES,
    create_token,
    listed_tokens,
    revoke_token,
    token_scope,
)


@login_required
@admin_required
def tiers(request: HttpRequest) -> HttpResponse:
    Tier.objects.ordered()  # seeds the defaults if none are left
    formset = forms.TierFormSet(request.POST or None, queryset=Tier.objects.all())
    options = forms.TierPreviewForm(
        request.POST or None, initial={"leads_per_week": weekly_volume()}
    )
    save_error = ""
    if "save" in request.POST and formset.is_valid() and options.is_valid():
        try:
            saved = save_tiers(formset, options)
        except ValueError as error:
            save_error = f"Nothing was saved. {error}"
        else:
            messages.success(request, saved)
            return redirect("routing:tiers")

    preview, note = preview_page(formset, options)
    context = {
        "formset": formset,
        "options": options,
        "save_error": save_error,
        "note": "" if save_error else note,  # the error already gives the reason
        "preview": preview,
    }
    return render(request, "routing/tiers.html", context)


@login_required
@admin_required
def rules(request: HttpRequest) -> HttpResponse:
    form = forms.RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rule = form.save(commit=False)
        rule.secret = rule.secret or _new_secret()
        rule.save()
        messages.success(request, f"Rule added: {rule}.")
        return redirect("routing:rules")
    all_rules = RoutingRule.objects.select_related("tier")
    return render(request, "routing/rules.html", {"form": form, "rules": all_rules})


def _new_secret() -> str:
    import secrets

    return secrets.token_hex(24)


@login_required
@admin_required
@require_POST
def toggle_rule(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=pk)
    rule.is_active = not rule.is_active
    rule.save(update_fields=["is_active"])
    return redirect("routing:rules")


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    form = forms.DeliveryFilterForm(request.GET)
    found = _filtered_deliveries(**form.filters())
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "routing/deliveries.html", context)


def _filtered_deliveries(*, status: str, kind: str, lead: str):
    found = Delivery.objects.select_related("rule__tier", "lead").prefetch_related(
        "attempts"
    )
    found = found.filter(status=status) if status else found
    found = found.filter(rule__kind=kind) if kind else found
    if lead:
        by_pk = Q(lead_id=int(lead)) if lead.isdigit() else Q()
        found = found.filter(by_pk | Q(lead__external_id=lead))
    return found


@login_required
@admin_required
@require_POST
def resend_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=pk)
    resend(delivery)
    messages.success(request, f"Delivery #{delivery.pk} is being sent again.")
    return redirect("routing:deliveries")


@login_required
@admin_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = forms.TokenForm(request.POST or None)
    new_token, key = None, None
    if request.method == "POST" and form.is_valid():
        name, scope = form.cleaned_data["name"], form.cleaned_data["scope"]
        if ApiToken.objects.filter(name=name).exists():
            form.add_error("name", "A token has this name; pick another.")
        else:
            new_token, key = create_token(name, scope=scope)
            form = forms.TokenForm()  # the next token starts from a blank form
    context = {
        "form": form,
        "new_token": new_token,
        "key": key,
        "new_scope": SCOPE_NAMES[token_scope(new_token)] if new_token else "",
        "tokens": listed_tokens(),
    }
    return render(request, "routing/tokens.html", context)


@login_required
@admin_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, revoked_at=None)
    revoke_token(token)
    messages.success(request, f"The token for {token.name} no longer works.")
    return redirect("routing:tokens")
