"""Subject areas (`topic`) of a process, for library catalogs: slug → (German, English).

The meta-schema's `topic` enum lists the same slugs (tests/definitions/test_shared.py)."""

TOPICS: dict[str, tuple[str, str]] = {
    "familie": ("Familie und Kinder", "Family and children"),
    "bauen-wohnen": ("Bauen und Wohnen", "Building and housing"),
    "wirtschaft": ("Wirtschaft und Gewerbe", "Business and trade"),
    "umwelt-abfall": ("Umwelt und Abfall", "Environment and waste"),
    "ordnung": ("Öffentliche Ordnung und Sicherheit", "Public order and safety"),
    "tiere": ("Tiere", "Animals"),
    "personenstand": ("Personenstand und Urkunden", "Civil status and certificates"),
    "meldewesen": ("Meldewesen und Ausweise", "Registration and identity documents"),
    "verkehr": ("Verkehr und Mobilität", "Transport and mobility"),
    "freizeit": ("Freizeit, Kultur und Räume", "Leisure, culture and venues"),
    "soziales": ("Soziales und Leistungen", "Social affairs and benefits"),
    "steuern": ("Steuern und Abgaben", "Taxes and charges"),
}
