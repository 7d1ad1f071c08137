"""Shared steps of ``measure shorten`` and ``measure cat-simulate``: the reference, its
instrument, real answers through the input gate, and domains. No statistics here."""

from __future__ import annotations

from collections.abc import Mapping

import click

from measure.instrument import Instrument, instrument_ids
from measure.itembank import Domain, domains_from_mapping
from measure.reference import ReferenceScale, load_reference
from measure.responses import ResponseMatrix
from measure.schemas import RESERVED_PERSON_COLUMNS
from measure.scoring import score

from ._common import InputOptions, Progress, load_instrument_option, read_data, read_input


def reference_and_instrument(
    path: str, inputs: InputOptions
) -> tuple[ReferenceScale, Instrument | None]:
    """The verified reference and its instrument (--instrument, else the one it names when
    that is shipped)."""
    ref = load_reference(path)
    inst = load_instrument_option(inputs.instrument)
    if inst is None and ref.instrument_id and ref.instrument_id in instrument_ids():
        inst = load_instrument_option(ref.instrument_id)
    return ref, inst


def gated_answers(
    data: str,
    inputs: InputOptions,
    ref: ReferenceScale,
    inst: Instrument | None,
    progress: Progress,
) -> ResponseMatrix:
    """Real answers read with the input options and coded as the reference's calibration (the
    gate of ``measure score``), on the reference's categories."""
    table = read_input(data, inputs, inst, reserved=RESERVED_PERSON_COLUMNS, progress=progress)
    raw = table.raw
    result = score(
        table.frame,
        ref,
        id_column=inputs.id_column,
        items=inputs.items,
        instrument=inst,
        columns=table.mapping or None,
        value_labels=raw.value_labels or None,
        missing_codes=inputs.missing_codes or None,
        min_category=inputs.min_category,
        reverse=inputs.reverse or None,
        recode=inputs.recode or None,  # None: the reference's
        labels=inputs.labels or None,
        decimal=raw.decimal,
        invalid=inputs.invalid,
        check_drift=False,
        source=raw.source,
        row_numbers=raw.row_numbers,
    )
    return result.responses


def read_domains(
    path: str | None, minimums: Mapping[str, int], inst: Instrument | None = None
) -> list[Domain]:
    """--domains FILE (columns item, domain), else the domains the instrument declares, with
    --domain-min DOMAIN=K (a domain without a minimum is not constrained)."""
    if path is None:
        declared = inst.domains() if inst is not None else {}
        if not declared:
            if minimums:
                raise click.UsageError(
                    "--domain-min needs --domains FILE (columns item, domain) or an instrument "
                    "whose items declare a domain"
                )
            return []
        mapping = {it: name for name, items in declared.items() for it in items}
        try:
            return domains_from_mapping(mapping, minimums)
        except ValueError as exc:
            raise click.UsageError(f"--domain-min: {exc}") from None
    frame = read_data(path, sheet=None, delimiter=None, encoding=None, decimal=None).data
    cols = {str(c).strip().casefold(): c for c in frame.columns}
    if "item" not in cols or "domain" not in cols:
        raise click.UsageError(
            f"--domains {path}: needs columns 'item' and 'domain' (has: "
            f"{', '.join(map(str, frame.columns))})"
        )
    mapping = {
        str(i).strip(): str(d).strip()
        for i, d in zip(frame[cols["item"]], frame[cols["domain"]], strict=True)
        if str(i).strip() and str(d).strip() and str(d) != "nan"
    }
    try:
        return domains_from_mapping(mapping, minimums)
    except ValueError as exc:
        raise click.UsageError(f"--domain-min: {exc}") from None
