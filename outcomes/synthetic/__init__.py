"""Synthetic registry data for demos and benchmarks: `manage.py generate_synthetic`.

- `scales`: how much of everything (demo, district, province) and the tables, in load order;
- `draws`: deterministic weighted choices (Zipf), allocation per district, partial dates;
- `identifiers`: USCC, organisation codes, ROR ids, patent numbers, with their check characters;
- `vocabulary`: the words, weights and figure styles rows are made of;
- `registry`: districts, sources, institutions, agreements, projects, enterprises and their links;
- `figures`: outcomes and targets, attributed to the registry's records;
- `writing`: PostgreSQL COPY or batched INSERTs, with no ORM save and so no per-row audit entry.

Determinism: every table draws from its own `random.Random(f"{seed}:{table}")`, and no value
depends on the clock, the database or set ordering, so one seed gives the same rows on SQLite
and PostgreSQL (a SQLite copy for a Datasette comparison is the same data).

Realism: districts, and the institutions chosen as partners, follow Zipf weights (rank r gets
1/r), so a few districts and universities hold most records; about 90% of publishable records
are published, the rest drafts, submitted or withdrawn; dates carry year, month or day
precision; identifiers carry correct check characters (the validators' own functions where
they have one).

Valid by construction: each row obeys the models' check constraints and `clean()`; the tests
run `full_clean()` on a sample of every model, and the database refuses anything that slips by.
"""

from collections.abc import Callable, Iterator

from django.db import models

from outcomes.synthetic.figures import Figures
from outcomes.synthetic.registry import Registry
from outcomes.synthetic.scales import Scale

Table = tuple[type[models.Model], Callable[[], Iterator[dict]], int | None]


def tables(scale: Scale, seed: int, sectors: dict[str, int]) -> list[Table]:
    """(model, row generator, expected count or None) in load order (`scales.MODELS`).

    Generators run lazily and in this order: each may use what the earlier ones recorded.
    `sectors` maps GB/T 4754 codes to the ids of the sector table (loaded by a migration).
    """
    registry = Registry(scale, seed, sectors)
    figures = Figures(registry)
    return [*registry.tables(), *figures.tables()]
