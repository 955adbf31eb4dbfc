"""Definitions for the tests of the tests, checks, diff and publish pages."""

import copy

RICH = {
    "$schema": "urn:ozg-engine:process-format:1",
    "id": "hundeanmeldung-test",
    "version": "1.0.0",
    "title": {"de": "Hund anmelden", "en": "Register a dog"},
    "reference_prefix": "HUT",
    "parameters": {
        "gebuehr": {
            "type": "money",
            "label": {"de": "Jahresgebühr", "en": "Annual fee"},
            "minimum": "10.00",
            "maximum": "200.00",
            "default": "30.00",
        }
    },
    "payment": {
        "policy": "optional",
        "fees": [
            {
                "id": "jahresgebuehr",
                "label": {"de": "Jahresgebühr", "en": "Annual fee"},
                "amount": {"$param": "gebuehr"},
            },
            {
                "id": "zuschlag",
                "label": {"de": "Zuschlag Listenhund", "en": "Surcharge"},
                "amount": "100.00",
                "when": {
                    "required": ["hund"],
                    "properties": {
                        "hund": {
                            "required": ["listenhund"],
                            "properties": {"listenhund": {"const": True}},
                        }
                    },
                },
            },
        ],
    },
    "steps": [
        {
            "id": "halter",
            "title": {"de": "Halterin oder Halter", "en": "Owner"},
            "schema": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "title": "Name", "x-en": {"title": "Name"}},
                    "geboren": {
                        "type": "string",
                        "format": "date",
                        "title": "Geburtsdatum",
                        "x-en": {"title": "Date of birth"},
                    },
                    "anschrift": {
                        "type": "object",
                        "title": "Anschrift",
                        "x-en": {"title": "Address"},
                        "properties": {
                            "ort": {"type": "string", "title": "Ort", "x-en": {"title": "Town"}}
                        },
                    },
                },
            },
        },
        {
            "id": "hund",
            "title": {"de": "Ihr Hund", "en": "Your dog"},
            "schema": {
                "type": "object",
                "required": ["rasse"],
                "properties": {
                    "rasse": {
                        "type": "string",
                        "title": "Rasse",
                        "x-en": {"title": "Breed"},
                        "oneOf": [
                            {"const": "dackel", "title": "Dackel", "x-en": {"title": "Dachshund"}},
                            {"const": "pudel", "title": "Pudel", "x-en": {"title": "Poodle"}},
                        ],
                    },
                    "listenhund": {
                        "type": "boolean",
                        "title": "Listenhund",
                        "x-en": {"title": "Listed dog"},
                    },
                    "alter": {"type": "integer", "title": "Alter", "x-en": {"title": "Age"}},
                    "welpen": {
                        "type": "array",
                        "title": "Welpen",
                        "x-en": {"title": "Puppies"},
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {
                                    "type": "string",
                                    "title": "Name",
                                    "x-en": {"title": "Name"},
                                }
                            },
                        },
                    },
                },
            },
        },
        {
            "id": "sachkunde",
            "title": {"de": "Sachkunde", "en": "Expertise"},
            "when": {
                "required": ["hund"],
                "properties": {
                    "hund": {
                        "required": ["listenhund"],
                        "properties": {"listenhund": {"const": True}},
                    }
                },
            },
            "schema": {
                "type": "object",
                "required": ["nachweis"],
                "properties": {
                    "nachweis": {
                        "type": "string",
                        "title": "Nachweis",
                        "x-en": {"title": "Certificate"},
                    }
                },
            },
        },
    ],
    "tests": [
        {
            "name": "Listenhund zahlt Zuschlag",
            "answers": {
                "halter": {"geboren": "1980-01-31"},
                "hund": {"rasse": "dackel", "listenhund": True},
            },
            "expect": {
                "steps": ["halter", "hund", "sachkunde"],
                "fee_total": "130.00",
                "valid": False,
                "errors": ["/halter/name"],
            },
        },
        {
            "name": "Gebühr der Kommune",
            "answers": {"halter": {"name": "Erika"}, "hund": {"rasse": "pudel"}},
            "parameters": {"gebuehr": "50.00"},
            "expect": {"fee_total": "50.00", "valid": True},
        },
    ],
}


def rich_doc(**changes) -> dict:
    doc = copy.deepcopy(RICH)
    doc.update(changes)
    return doc
