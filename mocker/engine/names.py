"""Container names: Docker's validation rule and its "adjective_surname" generator."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from mocker.errors import InvalidArgument

_VALID = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")

_LEFT = (
    "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful", "blissful",
    "bold", "boring", "brave", "busy", "charming", "clever", "compassionate", "competent", "condescending",
    "confident", "cool", "cranky", "crazy", "dazzling", "determined", "distracted", "dreamy", "eager",
    "ecstatic", "elastic", "elated", "elegant", "eloquent", "epic", "exciting", "fervent", "festive",
    "flamboyant", "focused", "friendly", "frosty", "funny", "gallant", "gifted", "goofy", "gracious", "great",
    "happy", "hardcore", "heuristic", "hopeful", "hungry", "infallible", "inspiring", "intelligent",
    "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving", "lucid", "magical", "modest",
    "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic", "objective", "optimistic",
    "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical", "recursing",
    "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange",
    "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant",
    "vigilant", "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen",
)
_RIGHT = (
    "agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin", "babbage",
    "banach", "bardeen", "bartik", "bassi", "bell", "bhabha", "blackwell", "bohr", "booth", "borg", "bose",
    "boyd", "brahmagupta", "brattain", "brown", "carson", "cerf", "chandrasekhar", "chatelet", "clarke",
    "colden", "cori", "cray", "curie", "darwin", "davinci", "dijkstra", "dirac", "easley", "edison",
    "einstein", "elion", "engelbart", "euclid", "euler", "fermat", "fermi", "feynman", "franklin", "galileo",
    "gates", "goldberg", "goldstine", "goodall", "hamilton", "hawking", "heisenberg", "hermann", "hodgkin",
    "hoover", "hopper", "hugle", "hypatia", "jackson", "jang", "jennings", "jepsen", "johnson", "joliot",
    "kalam", "kapitsa", "kare", "keller", "kepler", "khorana", "kilby", "kirch", "knuth", "lalande",
    "lamarr", "lamport", "leakey", "leavitt", "lederberg", "lehmann", "lewin", "liskov", "lovelace",
    "lumiere", "mahavira", "mayer", "mccarthy", "mcclintock", "meitner", "mendel", "merkle", "minsky",
    "mirzakhani", "morse", "murdock", "napier", "newton", "nobel", "noether", "pare", "pascal", "pasteur",
    "payne", "perlman", "pike", "poincare", "ptolemy", "raman", "ramanujan", "ride", "ritchie", "rosalind",
    "sammet", "shamir", "shannon", "shaw", "shockley", "sinoussi", "snyder", "spence", "stonebraker",
    "swartz", "tesla", "thompson", "torvalds", "turing", "varahamihira", "visvesvaraya", "volhard",
    "wescoff", "wiles", "williams", "wilson", "wing", "wozniak", "wright", "yalow", "yonath",
)


def validate_name(name: str) -> str:
    if not _VALID.match(name):
        raise InvalidArgument(f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    return name.lstrip("/")


def random_name(retry: int = 0) -> str:
    """Docker's GetRandomName: "boring_wozniak" is reserved; retries append a digit."""
    while True:
        name = f"{_pick(_LEFT)}_{_pick(_RIGHT)}"
        if name != "boring_wozniak":
            break
    if retry > 0:
        name += str(_pick("0123456789"))
    return name


def _pick(choices: Sequence[str]) -> str:
    """A random element from the kernel's generator (``secrets`` and ``random`` cost ~2 ms to import
    on the ``run`` path; the tiny modulo bias does not matter for a name)."""
    return choices[int.from_bytes(os.urandom(4), "little") % len(choices)]


def new_id() -> str:
    return os.urandom(32).hex()
