//! Quick search, as the guides begin: a kind from the drop-down (User, Card, Temporary card,
//! Mobile ID, Certificate) and one box; on the SEARCH tab a Status as well ("select Temporary
//! card … select state Produced in the Status drop-down list, and click Search"). What it finds
//! is shown as the lists in the menu show objects ([`crate::lists`]), so one table serves both.

use crate::entity::{card, certificate, mobile_id, person, temp_card};
use crate::error::Swedish;
use crate::objects::user::people::{contains, matching_text, STAFF};
use crate::{Caller, Engine, EngineError, Result};
use sea_orm::sea_query::{Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition};
use tessera_process::lists::{Found, Sort, SEARCH_KINDS};
use tessera_process::said;
use tessera_process::{ObjectKind, State};

/// The longest text the box takes.
pub const MAX_TEXT: usize = 100;

/// Objects of `kind` (in `state`, if given) that `text` names, in the order `sort` (newest
/// first by default), from `offset`.
/// A number is an object's id; other text is matched against the holder's name, UPN and
/// employee id, a temporary card's serial, a certificate's serial (colons and spaces ignored).
pub async fn quick(
    engine: &Engine,
    caller: &Caller,
    kind: ObjectKind,
    state: Option<State>,
    text: &str,
    (offset, sort): (u64, Sort),
) -> Result<Found> {
    caller.require_any(STAFF, said!("search", "söka"))?;
    if !SEARCH_KINDS.contains(&kind) {
        return Err(EngineError::bad_input(
            "kind",
            said!(
                "Quick search does not look for a {en}.",
                "Snabbsök söker inte efter {sv}.",
                en = kind.label().to_lowercase(),
                sv = Swedish::of(kind).plural
            ),
        ));
    }
    if state.is_some_and(|s| s.kind() != kind) {
        return Err(EngineError::bad_input(
            "state",
            said!(
                "That is not a state of a {en}; choose one from the list.",
                "Det är inte ett tillstånd för {article} {sv}; välj ett i listan.",
                en = kind.label().to_lowercase(),
                sv = kind.noun_words().sv,
                article = Swedish::of(kind).article
            ),
        ));
    }
    let text = text.trim();
    if text.chars().count() > MAX_TEXT {
        return Err(EngineError::bad_input(
            "q",
            said!(
                "The search text is too long ({MAX_TEXT} characters at most).",
                "Söktexten är för lång (högst {MAX_TEXT} tecken)."
            ),
        ));
    }
    let offset = crate::lists::page_offset(offset)?;
    let states: Vec<&str> = state.iter().map(|s| s.as_str()).collect();
    let narrow = (!text.is_empty()).then(|| naming(kind, text));
    let (total, rows) =
        crate::lists::rows_of(&engine.db, kind, &states, narrow, (offset, sort)).await?;
    Ok(Found {
        total,
        offset,
        rows,
    })
}

/// The objects of `kind` that `text` names.
fn naming(kind: ObjectKind, text: &str) -> Condition {
    let id = text.trim_start_matches('#').parse::<i64>().ok();
    match kind {
        ObjectKind::User => by_id(person::Column::Id, id).add(matching_text(text)),
        ObjectKind::Card => {
            by_id(card::Column::Id, id).add(card::Column::PersonId.in_subquery(holders(text)))
        }
        ObjectKind::TempCard => by_id(temp_card::Column::Id, id)
            .add(temp_card::Column::PersonId.in_subquery(holders(text)))
            .add(contains(temp_card::Column::Serial, text)),
        ObjectKind::MobileId => by_id(mobile_id::Column::Id, id)
            .add(mobile_id::Column::PersonId.in_subquery(holders(text))),
        ObjectKind::Certificate => {
            let serial: String = text
                .chars()
                .filter(|c| !matches!(c, ':' | ' ' | '-'))
                .collect();
            Condition::any().add(contains(certificate::Column::Serial, &serial))
        }
        // Not offered (SEARCH_KINDS); nothing matches.
        ObjectKind::BatchOrder => Condition::any(),
    }
}

/// `column` is `id`, if the text is a number; else nothing yet (a condition to add to).
fn by_id(column: impl ColumnTrait, id: Option<i64>) -> Condition {
    let c = Condition::any();
    match id {
        Some(id) => c.add(column.eq(id)),
        None => c,
    }
}

/// The ids of the people `text` names.
fn holders(text: &str) -> SelectStatement {
    Query::select()
        .column(person::Column::Id)
        .from(person::Entity)
        .cond_where(matching_text(text))
        .to_owned()
}
