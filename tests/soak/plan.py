"""What the soak posts, and where each form's mail must end up.

Routing is computed here from site/data/directory.toml, independently of
the Rust code under test, so a routing bug shows up as a wrong recipient.
"""
import json
import random
import tomllib
import urllib.parse
import uuid
from dataclasses import dataclass, field

KINDS = ["contact", "registration", "referral", "volunteer"]
PROGRAMMES = {
    "registration": ["home-start", "buurtgezinnen", "taalhuis", "unsure"],
    "referral": ["home-start", "buurtgezinnen", "taalhuis", "unsure"],
    "volunteer": ["home-start", "buurtgezinnen", "taalhuis"],
}


class Directory:
    def __init__(self, path):
        with open(path, "rb") as f:
            data = tomllib.load(f)
        self.mailbox = {key: box["email"] for key, box in data["mailboxes"].items()}
        self.fallback = self.mailbox[data["routing"]["fallback"]]
        self.region_of = {m["id"]: region for region in data["regions"] for m in region["municipalities"]}
        self.municipalities = list(self.region_of) + ["other"]

    def route(self, kind, programme, municipality):
        region = self.region_of.get(municipality)
        if region is None:
            return self.fallback
        if kind == "contact" or programme == "unsure":
            return self.mailbox[region["general"]]
        key = region["programmes"].get(programme)
        return self.mailbox[key] if key else self.fallback


@dataclass
class Submission:
    index: int
    kind: str
    lang: str
    fields: dict
    coordinator: str
    confirm_to: str | None  # None: no email given, so no confirmation
    as_browser: bool  # url-encoded post expecting 303, else JSON expecting 201

    @property
    def id(self):
        return self.fields["submission_id"]

    def request(self):
        """(path, headers, body bytes) of this post."""
        path = f"/api/forms/{self.kind}"
        if self.as_browser:
            return path, {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}, urllib.parse.urlencode(self.fields).encode()
        return path, {"Content-Type": "application/json", "Accept": "application/json"}, json.dumps(self.fields).encode()


def make_submission(rng, directory, index):
    kind = rng.choice(KINDS)
    lang = rng.choice(["nl", "en"])
    municipality = rng.choice(directory.municipalities)
    programme = rng.choice(PROGRAMMES[kind]) if kind in PROGRAMMES else None
    email = f"ouder{index}@example.org"
    fields = {
        "name": f"Ouder {index} <b>&</b> Zoë",
        "municipality": municipality,
        "message": f"Bericht {index}\nmet twee regels",
        "privacy_consent": "yes",
        "lang": lang,
        "submission_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    }
    phone_only = kind != "referral" and rng.random() < 0.1
    if phone_only:
        fields["phone"] = "06 12345678"
    else:
        fields["email"] = email
    if kind == "contact" and rng.random() < 0.2:
        del fields["municipality"]
        municipality = None
    if programme:
        fields["programme"] = programme
    if kind == "registration":
        fields["children_ages"] = "2 en 5"
    confirm_to = None if phone_only else email
    if kind == "referral":
        referrer = f"verwijzer{index}@example.org"
        fields.update(referrer_name=f"Verwijzer {index}", referrer_organisation="Wijkteam", referrer_email=referrer, parent_consent="yes")
        confirm_to = referrer
    return Submission(
        index=index,
        kind=kind,
        lang=lang,
        fields=fields,
        coordinator=directory.route(kind, programme, municipality),
        confirm_to=confirm_to,
        as_browser=rng.random() < 0.25,
    )


def make_posts(seed, directory, posts, repeats):
    """`posts` requests in random order: `posts - repeats` distinct forms,
    and `repeats` second posts of a form already in the list."""
    rng = random.Random(seed)
    distinct = [make_submission(rng, directory, i) for i in range(posts - repeats)]
    again = rng.sample(distinct, repeats)
    order = distinct + again
    rng.shuffle(order)
    return distinct, order
