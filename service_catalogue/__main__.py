"""`python -m service_catalogue`: validate the catalogue, print its size, exit 1 on a bad entry."""

import sys

from service_catalogue.loader import CatalogueError, load_catalogue

try:
    cat = load_catalogue()
except CatalogueError as error:
    sys.exit(f"catalogue is invalid:\n{error}")
unverified = sum(not e.get("verified", True) for e in [*cat.forms.values(), *cat.services.values()])
print(
    f"catalogue ok: {len(cat.life_situations)} life situations, {len(cat.services)} services, "
    f"{len(cat.forms)} forms, {len(cat.authorities)} authorities ({unverified} forms/services unverified)"
)
