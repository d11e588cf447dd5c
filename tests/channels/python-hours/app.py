"""The "library-hours" channel, in Python: the library's opening hours today, read from the
`api` back-end's JSON, with a greeting for the signed-in person. Written against the WIT
contract alone (agora:channel@0.2.0), without the Rust SDK."""

import json

import wit_world
from componentize_py_types import Err
from wit_world.imports import backend, log, person, types


def escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def fail(kind: types.ErrorKind, detail: str) -> Err:
    return Err(types.RenderError(kind=kind, detail=detail))


class WitWorld(wit_world.WitWorld):
    def render(self, ctx) -> types.RenderOutput:
        french = ctx.locale.split("-")[0].lower() == "fr"
        config = json.loads(ctx.config_json)
        try:
            answer = backend.fetch(
                backend.Request(backend="api", method=backend.Method.GET, path=config["path"], headers=[], body=None)
            )
        except Err as e:
            raise fail(types.ErrorKind.BACKEND_UNAVAILABLE, f"api: {e.value}")
        if answer.status != 200:
            raise fail(types.ErrorKind.BACKEND_UNAVAILABLE, f"api answered HTTP {answer.status}")
        try:
            places = json.loads(answer.body)["places"]
        except (ValueError, KeyError) as e:
            raise fail(types.ErrorKind.BACKEND_GARBAGE, f"the hours do not decode: {e}")
        log.log(log.Level.INFO, f"{len(places)} places")
        html = ""
        names = person.attribute("displayName")
        if ctx.signed_in and names:
            html += f"<p>{'Bonjour' if french else 'Hello'} {escape(names[0])}</p>"
        html += '<ul class="library-hours">'
        for place in places:
            hours = place.get("today") or ("fermé" if french else "closed")
            html += f"<li><strong>{escape(place['name'])}</strong> : {escape(hours)}</li>" if french else \
                f"<li><strong>{escape(place['name'])}</strong>: {escape(hours)}</li>"
        html += "</ul>"
        return types.RenderOutput(html=html, title=None)

    def search(self, ctx, query: str):
        return []
