"""The reply contract's payloads, built from catalogue entries for one language."""

from __future__ import annotations

from urllib.parse import quote

from service_catalogue.loader import Catalogue


def form_link(form: dict, lang: str, authority: dict | None = None) -> tuple[str, str]:
    """Where a form's web link goes, and which kind of address it is: "direct", "search" or "index".

    The form's own page or PDF when the catalogue has a verified direct URL in the language; else the
    authority's verified form search with the code filled in ({code} the base code, {variant} the language
    variant as the authority writes it); else the authority's forms index (`url`). An unverified address is
    never used: a customer is better served by the index than by a guess.
    """
    direct = form.get("direct_url") or {}
    if form.get("direct_url_verified") and direct.get(lang):
        return direct[lang], "direct"
    search = (authority or {}).get("form_search") or {}
    if search.get("verified") and search["url"].get(lang):
        variant = form["variants"].get(lang, form["code"])
        url = (
            search["url"][lang]
            .replace("{code}", quote(form["code"], safe=""))
            .replace("{variant}", quote(variant, safe=""))
        )
        return url, "search"
    return form["url"][lang], "index"


def form_payload(form: dict, lang: str, authority: dict | None = None) -> dict:
    """`{"type": "form", ...}`: the variant in the customer's language where one exists, exactly as the authority
    writes it ("AT 1e"); `url` as form_link says (pass the form's authority, or the form search is not used)."""
    url, link = form_link(form, lang, authority)
    return {
        "type": "form",
        "code": form["code"],
        "variant": form["variants"].get(lang, form["code"]),
        "title": form["name"][lang],
        "url": url,
        "link": link,
        "returned_to": form["returned_to"][lang],
        "online": form["online"],
        "authority": form["authority"],
        "language": lang,
        "verified": form["verified"],
    }


def service_summary(cat: Catalogue, service: dict, lang: str) -> dict:
    """A service as a life-situation step or a service reply lists it."""
    return {
        "id": service["id"],
        "name": service["name"][lang],
        "authority": service["authority"],
        "authority_name": cat.authorities[service["authority"]]["name"][lang],
        "forms": list(service["forms"]),
        "needs_advisor": service["needs_advisor"],
    }


def life_situation_payload(cat: Catalogue, situation: dict, lang: str) -> dict:
    """`{"type": "life_situation", ...}`: the steps in the order to act, and their forms."""
    services = []
    for step in situation["steps"]:
        summary = service_summary(cat, cat.services[step["service"]], lang)
        summary["note"] = step["note"][lang]
        # Only the service's forms that fit the situation (the step's `forms`, when it lists them).
        summary["forms"] = list(step.get("forms", summary["forms"]))
        services.append(summary)
    return {
        "type": "life_situation",
        "code": situation["code"],
        "title": situation["name"][lang],
        "language": lang,
        "services": services,
        "forms": [
            form_payload(f, lang, cat.authorities.get(f["authority"])) for f in cat.life_situation_forms(situation)
        ],
    }


def numbered(lines: list[str]) -> str:
    """Lines as a numbered list, one per line."""
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def channels_text(cat: Catalogue, service: dict, lang: str) -> str:
    """A service's channels, one per line: name or channel type, then the address or note."""
    lines = []
    for channel in service["channels"]:
        label = (channel.get("name") or cat.channel_types[channel["type"]]["name"])[lang]
        detail = (channel.get("url") or channel.get("note") or {}).get(lang)
        lines.append(f"• {label}: {detail}" if detail else f"• {label}")
    return "\n".join(lines)


def bullets(lines: list[str]) -> str:
    """Lines as a bulleted list, one per line."""
    return "\n".join(f"• {line}" for line in lines)


def sami_greeting(cat: Catalogue, variant: str | None) -> str:
    """One greeting in the customer's Sámi language; one in each when the language is not known."""
    languages = [lang for lang in cat.sami["languages"] if variant in (None, lang["id"])]
    return " · ".join(lang["greeting"] for lang in languages or cat.sami["languages"])


def sami_routes(cat: Catalogue, variant: str | None, lang: str) -> list[dict]:
    """The routes to service in the customer's Sámi language (any, when unknown) that exist at this point."""
    interpreted = cat.point.get("remote_interpreting", [])
    routes = []
    for route in cat.sami["routes"]:
        serves = route.get("languages") or [s["id"] for s in cat.sami["languages"]]
        if variant is not None and variant not in serves:
            continue
        if route.get("needs_remote_interpreting") and not (variant in interpreted if variant else interpreted):
            continue
        routes.append({"id": route["id"], "text": route["text"][lang], "verified": route["verified"]})
    return routes


def reach_lines(authorities: list[dict], lang: str) -> str:
    """How to reach each authority: name and web address, one per line."""
    return bullets([f"{a['name'][lang]}: {(a.get('offices') or a)['url'][lang]}" for a in authorities])


def services_here(cat: Catalogue, authority_id: str) -> list[dict]:
    """The authority's `point_services` whose advisor tasks this point offers (lost property only where agreed)."""
    offered = set(cat.point["capabilities"])
    chosen = [cat.services[s] for s in cat.authorities[authority_id].get("point_services", [])]
    return [s for s in chosen if s["advisor_tasks"] and set(s["advisor_tasks"]) <= offered]
