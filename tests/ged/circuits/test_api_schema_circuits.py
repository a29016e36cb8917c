"""Schemathesis over the /api/v1/circuits/ operations only (the whole-API run lives in
tests/test_api_schemathesis.py): a circuit in progress, an agent of its first desk and an outsider, each with
a personal token; no server error, every status declared, every body as declared, invalid data refused, and
every 4xx with a French `detail`."""

from collections import Counter

import pytest
from schemathesis.generation import GenerationMode

from intranet.people.actions import api_token_create
from tests.test_api_schemathesis import _fuzz, _load_schema

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.heavy]


def test_circuits_api_conforms_to_its_schema(submit, people, template, doc):
    from intranet.asgi import application

    circuit = submit()
    schema = _load_schema(application)
    operations = [r.ok() for r in schema.get_all_operations() if "/circuits" in r.ok().path]
    assert len(operations) == 5
    failures, cases = {}, Counter()
    for who in ("fin1", "outsider"):
        _token, secret = api_token_create(user=people[who], name="schemathesis", days=1)
        headers = {"Authorization": f"Bearer {secret}"}
        for operation in operations:
            fixed = [{"circuit_id": circuit.pk}] if operation.path_parameters else []
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategies = [operation.as_strategy(generation_mode=mode)]
                strategies += [operation.as_strategy(generation_mode=mode, path_parameters=p) for p in fixed]
                _fuzz(operation, mode, strategies, 6, headers, cases, failures)
    assert cases["positive"] and cases["negative"]
    report = "\n".join(f"{key}: {text}" for key, text in sorted(failures.items()))
    assert not failures, report
