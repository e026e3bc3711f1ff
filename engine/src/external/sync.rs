//! The sync process: order files out, then every report in the inbox in.

use super::order_file::{export, write_pending_files};
use super::report::{apply_report, record_report};
use super::*;
use crate::entity::bureau_report;
use crate::Caller;
use crate::{Engine, EngineError, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The scheduled sync (and the admin's "run now"): order files out, reports in.
pub async fn sync(
    engine: &Engine,
    settings: &ExternalSettings,
    caller: Option<&Caller>,
) -> Result<SyncOutcome> {
    if let Some(c) = caller {
        c.require_any(
            &[tessera_process::Role::Admin],
            tessera_process::said!(
                "run the external production sync",
                "köra synkroniseringen av extern produktion"
            ),
        )?;
    }
    // Order files a stop cut short come first, byte for byte as built.
    write_pending_files(engine, settings).await?;
    let order_files = export(engine, settings, caller).await?;
    let mut reports = Vec::new();
    for path in inbox_reports(&settings.inbox_dir)? {
        reports.push(take_report(engine, settings, caller, &path).await?);
    }
    Ok(SyncOutcome {
        order_files,
        reports,
    })
}

/// Applies one report file from the inbox and moves it out: to `processed/`, or to `rejected/`
/// if it cannot be read at all. A file whose content was applied before (a crash before the
/// move) is not applied again.
async fn take_report(
    engine: &Engine,
    settings: &ExternalSettings,
    caller: Option<&Caller>,
    path: &Path,
) -> Result<ReportOutcome> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let now = engine.now();
    let bytes = std::fs::read(path).map_err(|e| report_io("reading", &name, e))?;
    let source = format!(
        "inbox:{name}:{}",
        &hex::encode(Sha256::digest(&bytes))[..16]
    );
    let applied_before = bureau_report::Entity::find()
        .filter(bureau_report::Column::Source.eq(source.clone()))
        .one(&engine.db)
        .await?;
    let (outcome, folder) = match applied_before {
        Some(r) => (
            ReportOutcome {
                source: source.clone(),
                applied: 0,
                refused: vec![(
                    0,
                    String::new(),
                    format!("already applied at {}", crate::time::text(r.received_at)),
                )],
            },
            "processed",
        ),
        None => {
            let result = match String::from_utf8(bytes) {
                Ok(text) => apply_report(engine, caller, &source, &text).await,
                Err(_) => Err(EngineError::Invalid(tessera_process::said!(
                    "The report is not UTF-8 text.",
                    "Rapporten är inte UTF-8-text."
                ))),
            };
            match result {
                Ok(outcome) => (outcome, "processed"),
                Err(e) if e.is_user_facing() => {
                    let refused = vec![(0, String::new(), e.to_string())];
                    record_report(&engine.db, now, &source, 0, &refused).await?;
                    (
                        ReportOutcome {
                            source: source.clone(),
                            applied: 0,
                            refused,
                        },
                        "rejected",
                    )
                }
                Err(e) => return Err(e),
            }
        }
    };
    let dir = settings.inbox_dir.join(folder);
    let stamp = now.format("%Y%m%dT%H%M%S");
    crate::files::private_dir(&dir)
        .and_then(|_| std::fs::rename(path, dir.join(format!("{stamp}-{name}"))))
        .map_err(|e| report_io(&format!("moving to {folder}/"), &name, e))?;
    Ok(outcome)
}

fn report_io(what: &str, name: &str, e: std::io::Error) -> EngineError {
    EngineError::Config(format!("{what} the report {name}: {e}"))
}

fn inbox_reports(dir: &Path) -> Result<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
        .collect();
    files.sort();
    Ok(files)
}
