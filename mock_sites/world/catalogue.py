"""What is sold: unit prices, quantities, product names and each site's category labels."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Product:
    name: str                     # as written in titles, after the quantity
    unit: str                     # g | pill | blotter | ml | unit
    price: tuple[float, float]    # EUR per unit, retail
    retail: tuple[float, ...]     # quantities of retail offers
    bulk: tuple[float, ...]       # quantities of bulk offers


def _p(unit, price, retail, bulk, *names):
    return tuple(Product(n, unit, price, retail, bulk) for n in names)


PRODUCTS: dict[str, tuple[Product, ...]] = {
    "cannabis_herb": _p("g", (7, 12), (1, 2, 3.5, 5, 7, 10, 14), (28, 50, 100),
                        "Amnesia Haze", "White Widow", "OG Kush", "Gorilla Glue #4", "Lemon Haze",
                        "Super Silver Haze", "Girl Scout Cookies", "Purple Haze"),
    "cannabis_resin": _p("g", (6, 10), (1, 2, 5, 10, 25), (50, 100),
                         "Moroccan Hash", "Afghan Black hash", "Charas", "Dry Sift", "Jaune Mousse",
                         "Lebanese Blonde", "Ketama Gold"),
    "cocaine": _p("g", (55, 90), (0.5, 1, 2, 3.5), (5, 7, 10),
                  "Cocaine 90% pure", "Colombian Coke", "Peruvian flake cocaine", "Cocaïne pure 87%",
                  "Bolivian cocaine uncut"),
    "mdma": _p("g", (20, 40), (1, 2, 5), (10, 25),
               "MDMA crystal 84%", "Champagne MDMA", "MDMA kristallen", "Dutch MDMA rocks")
            + _p("pill", (3, 10), (5, 10, 20, 25), (100, 200),
                 "Tesla 220mg XTC pills", "Blue Punisher 250mg XTC", "Philipp Plein 280mg pills",
                 "Red Bull XTC 200mg", "Donald Trump pills 240mg"),
    "amphetamine": _p("g", (8, 20), (2, 5, 10), (25, 50),
                      "Speed paste 70%", "Amphetamine sulphate", "Pep dutch speed", "Amfetamine pasta"),
    "methamphetamine": _p("g", (40, 100), (0.5, 1, 2), (3.5, 7),
                          "Crystal Meth shards", "Ice crystal meth", "Methamphetamine 98%"),
    "heroin": _p("g", (40, 80), (0.5, 1, 2), (5, 10),
                 "Brown heroin #3", "Afghan heroin", "Heroin no.4"),
    "ketamine": _p("g", (20, 40), (1, 2, 5), (10, 25),
                   "Ketamine needles S-isomer", "Keta shards", "Ketamine crystal"),
    "lsd": _p("blotter", (6, 15), (1, 5, 10, 25), (50, 100),
              "LSD 150ug blotters", "Hofmann tabs 200ug LSD", "LSD 100µg cartons"),
    "2cb": _p("pill", (6, 14), (5, 10, 25), (50, 100), "2C-B 20mg pink pills", "2C-B Nexus 25mg"),
    "benzodiazepines": _p("pill", (1, 4), (10, 20, 50), (100, 300),
                          "Xanax 2mg bars", "Valium 10mg (diazepam)", "Alprazolam 1mg", "Rivotril 2mg"),
    "prescription_opioids": _p("pill", (4, 30), (5, 10, 20), (30, 50),
                               "Oxycodone 30mg", "Tramadol 100mg", "OxyContin 80mg", "Codeine 30mg"),
    "nps": _p("g", (5, 20), (1, 5, 10), (25, 50), "3-MMC crystal", "4-FA", "2-FMA", "3-CMC"),
    "weapons": _p("unit", (300, 900), (1,), (), "Glock 19 Gen 4", "Makarov PM 9mm", "CZ 75 pistol",
                  "Zastava M70"),
    "other": _p("ml", (0.08, 0.3), (50, 100, 250), (1000,), "GBL 99.9%")
             + _p("pill", (1, 3), (10, 20), (100,), "Viagra 100mg", "Modafinil 200mg"),
}

BULK_DISCOUNT = (0.75, 0.88)     # unit price factor of bulk offers
PRICE_CAP = {"bazaar": 1000, "nocturne": 1000, "vault": 3000}

# Category shares of specialities (weights); synthetic drugs weigh more for BE/NL actors.
CATEGORY_WEIGHTS = {
    "cannabis_herb": 22, "cannabis_resin": 8, "cocaine": 14, "mdma": 12, "amphetamine": 7,
    "methamphetamine": 4, "heroin": 3, "ketamine": 5, "lsd": 5, "2cb": 3, "benzodiazepines": 7,
    "prescription_opioids": 5, "nps": 3, "weapons": 0.6, "other": 2,
}
SYNTHETIC_BOOST = {"mdma": 2.5, "amphetamine": 2.5, "2cb": 2.0, "ketamine": 1.5}

# Each site has its own vocabulary (multilingual slang on nocturne and vault).
LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "bazaar": {
        "cannabis_herb": ("Cannabis > Weed", "Cannabis > Buds"), "cannabis_resin": ("Cannabis > Hash",),
        "cocaine": ("Stimulants > Cocaine",), "mdma": ("Ecstasy > MDMA", "Ecstasy > Pills"),
        "amphetamine": ("Stimulants > Speed",), "methamphetamine": ("Stimulants > Meth",),
        "heroin": ("Opioids > Heroin",), "ketamine": ("Dissociatives > Ketamine",),
        "lsd": ("Psychedelics > LSD",), "2cb": ("Psychedelics > 2C-B",),
        "benzodiazepines": ("Benzos",), "prescription_opioids": ("Opioids > Pills",),
        "nps": ("RCs",), "weapons": ("Weapons",), "other": ("Other",),
    },
    "nocturne": {
        "cannabis_herb": ("Weed", "Beuh", "Wiet", "Gras", "Kush"), "cannabis_resin": ("Hash", "Shit", "Hasj"),
        "cocaine": ("Coke", "C", "Coca", "Koks"), "mdma": ("MD", "XTC", "Molly", "Pillen"),
        "amphetamine": ("Speed", "Pep", "Amfe"), "methamphetamine": ("Ice", "Crystal"),
        "heroin": ("H", "Brown"), "ketamine": ("Keta", "K"), "lsd": ("Acid", "Lucy"),
        "2cb": ("2CB", "Tusi"), "benzodiazepines": ("Benzos", "Xans"), "prescription_opioids": ("Pills", "Oxy"),
        "nps": ("RC", "Research chems"), "weapons": ("Guns",), "other": ("Misc",),
    },
    "vault": {
        "cannabis_herb": ("Herbe", "Beuh", "Cannabis"), "cannabis_resin": ("Résine", "Shit", "Haschisch"),
        "cocaine": ("Cocaïne", "Coke"), "mdma": ("MDMA", "Ecstasy", "XTC"),
        "amphetamine": ("Amphétamine", "Speed"), "methamphetamine": ("Méthamphétamine",),
        "heroin": ("Héroïne",), "ketamine": ("Kétamine", "Keta"), "lsd": ("LSD", "Acide"),
        "2cb": ("2C-B",), "benzodiazepines": ("Benzodiazépines", "Benzos"),
        "prescription_opioids": ("Opioïdes", "Médicaments"), "nps": ("NPS", "Nouveaux produits"),
        "weapons": ("Armes",), "other": ("Divers",),
    },
}

TITLE_QTY = {"g": "{q}g", "pill": "{q}x", "blotter": "{q}x", "ml": "{q}ml", "unit": "{q}x"}


def quantity_text(q: float) -> str:
    return f"{q:g}"
