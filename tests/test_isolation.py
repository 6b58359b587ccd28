def test_tests_use_their_own_redis_database(settings):
    assert settings.REDIS_URL.endswith("/15")
