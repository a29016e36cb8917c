"""A few documents in folders, uploaded through the real action, for the SEDA export and fixity tests."""

import random

import pytest


@pytest.fixture
def documents(space, subfolder, upload):
    """Three documents: two in « Délibérations/2024 », one at the space's root, varied sizes and names."""
    rng = random.Random(18)
    deliberations = subfolder(space.root, "Délibérations")
    year = subfolder(deliberations, "2024")
    docs = []
    for folder, name, size in [
        (year, "Délibération n°12 – budget.pdf", 70_000),
        (year, "annexe & notes <v2>.txt", 1_500),
        (space.root, "Procès-verbal.txt", 3 * 1024 * 1024 + 17),  # more than one read chunk
    ]:
        # A PDF must start like one (the upload checks the content against the extension).
        if name.endswith(".pdf"):
            data = b"%PDF-1.7\n" + rng.randbytes(size)
        else:  # text: no NUL byte
            data = bytes(rng.choices(b"abcdefghij klmnop\n", k=size))
        doc, _version = upload(folder, name=name, data=data)
        docs.append(doc)
    return docs
