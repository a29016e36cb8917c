"""Example management rules for communes and their groupings, loosely after the kinds of the national tables
(instruction DAF/DPACI/RES/2009/018). They are illustrative, marked « exemple à valider par l'archiviste »:
the archivist checks each one against the official table before relying on it."""

from .choices import FinalDisposition as F
from .choices import StartEvent as E

EXAMPLE_RULES = [
    # code, label, DUA years, starting event, final disposition, communicability, notes
    ("DELIB", "Délibérations du conseil", 10, E.DELIBERATION, F.KEEP, "immédiate", "Registre et actes."),
    ("ARRETE", "Arrêtés du président ou du maire", 10, E.CREATION, F.KEEP, "immédiate", ""),
    ("FACT", "Factures et mandats de paiement", 10, E.FISCAL_YEAR, F.DESTROY, "immédiate", ""),
    ("BUDGET", "Budgets et comptes administratifs", 10, E.FISCAL_YEAR, F.KEEP, "immédiate", ""),
    ("MARCHE", "Marchés publics (pièces non retenues)", 5, E.CONTRACT_END, F.DESTROY, "immédiate", ""),
    ("PERS", "Dossiers individuels du personnel", 80, E.DEPARTURE, F.SORT, "50 ans", "Tri par échantillon."),
    ("CORR", "Correspondance courante", 5, E.CREATION, F.SORT, "immédiate", ""),
    ("FORM", "Plans et suivis de formation", 5, E.CLOSING, F.DESTROY, "immédiate", ""),
]
