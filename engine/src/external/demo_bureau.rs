//! The demo's card bureau (`tessera demo-bureau`): it reports every card and temporary card
//! that was sent to the bureau (`ordered`, `in_production`) as `produced`, with a report file
//! in the inbox as a real bureau would drop one; the next sync applies it. With it a newcomer
//! can walk Order card and Initialize temporary card, which need a produced card, without a
//! bureau of their own.

use super::{bureau_id, ExternalSettings, REPORT_COLUMNS};
use crate::entity::{card, temp_card};
use crate::objects::card::Production;
use crate::{Engine, EngineError, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::io::Write;
use std::path::PathBuf;
use tessera_process::{CardState, ObjectKind, TempCardState};

/// Writes the report into the inbox: its path and how many cards it names, or `None` when
/// nothing was at the bureau.
pub async fn report_sent_cards(
    engine: &Engine,
    settings: &ExternalSettings,
) -> Result<Option<(PathBuf, usize)>> {
    let at_bureau = [CardState::Ordered, CardState::InProduction];
    let cards = card::Entity::find()
        .filter(card::Column::Production.eq(Production::External.as_str()))
        .filter(card::Column::State.is_in(at_bureau))
        .all(&engine.db)
        .await?;
    let temp_at_bureau = [TempCardState::Ordered, TempCardState::InProduction];
    let temp_cards = temp_card::Entity::find()
        .filter(temp_card::Column::State.is_in(temp_at_bureau))
        .all(&engine.db)
        .await?;
    let ids: Vec<String> = cards
        .iter()
        .map(|c| bureau_id((ObjectKind::Card, c.id)))
        .chain(
            temp_cards
                .iter()
                .map(|t| bureau_id((ObjectKind::TempCard, t.id))),
        )
        .collect();
    if ids.is_empty() {
        return Ok(None);
    }
    let mut text = REPORT_COLUMNS.join(",") + "\n";
    for id in &ids {
        text.push_str(&format!("{id},produced,made by the demo bureau\n"));
    }
    let stamp = engine.now().format("%Y%m%dT%H%M%S%.3f");
    let path = settings.inbox_dir.join(format!("demo-bureau-{stamp}.csv"));
    let io = |e: std::io::Error| {
        EngineError::Config(format!("writing the demo report {}: {e}", path.display()))
    };
    crate::files::private_dir(&settings.inbox_dir).map_err(io)?;
    // Written under another name and renamed, so a sync never reads half a report.
    let partial = path.with_extension("part");
    crate::files::private_file(&partial)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .and_then(|_| std::fs::rename(&partial, &path))
        .map_err(io)?;
    Ok(Some((path, ids.len())))
}
