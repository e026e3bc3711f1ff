//! The reader monitor: one thread owns a PC/SC context, waits in `get_status_change` (with
//! plug-and-play notification for readers coming and going) and publishes a snapshot whenever a
//! reader or card changes.

use super::reader;
use pcsc::{Context, ReaderState, Scope, State, PNP_NOTIFICATION};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tessera_process::bridge::{CardInReader, ReaderInfo, ReaderSnapshot};

/// What the monitor needs from the bridge.
pub trait Sink: Send + Sync + 'static {
    fn publish(&self, snapshot: ReaderSnapshot);
    fn busy(&self, reader: &str) -> bool;
    /// Changes when a job has written to the reader's card, so the monitor reads it again.
    fn generation(&self, reader: &str) -> u64;
    fn stopped(&self) -> bool;
}

/// How long one wait lasts: bounds how late the thread notices it should stop.
const WAIT: Duration = Duration::from_millis(500);

// Without its thread the bridge cannot see a reader at all; a process that cannot start a
// thread at start-up has no way to go on, so it stops there.
#[allow(clippy::expect_used)]
pub fn spawn(sink: Arc<dyn Sink>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("tessera-readers".into())
        .spawn(move || run(&*sink))
        .expect("spawning the reader monitor thread")
}

fn unavailable(sink: &dyn Sink, why: String) {
    sink.publish(ReaderSnapshot {
        unavailable: Some(why),
        readers: vec![],
    });
}

fn run(sink: &dyn Sink) {
    while !sink.stopped() {
        let ctx = match Context::establish(Scope::User) {
            Ok(c) => c,
            Err(e) => {
                unavailable(
                    sink,
                    format!(
                        "The card service (pcscd) is not running on the Tessera server ({e}). Start it, for example with \"pcscd -f\"; readers appear here as soon as it runs."
                    ),
                );
                std::thread::sleep(Duration::from_secs(2));
                continue;
            }
        };
        watch(sink, &ctx);
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// A card seen in a reader, keyed by the reader's event count so that a reinserted card is
/// probed again.
struct Seen {
    events: u32,
    generation: u64,
    card: CardInReader,
}

fn watch(sink: &dyn Sink, ctx: &Context) {
    let pnp = PNP_NOTIFICATION();
    let mut states = vec![ReaderState::new(pnp, State::UNAWARE)];
    let mut seen: HashMap<String, Seen> = HashMap::new();
    let mut last: Option<ReaderSnapshot> = None;
    while !sink.stopped() {
        let names = match ctx.list_readers_owned() {
            Ok(n) => n,
            Err(pcsc::Error::NoReadersAvailable) => vec![],
            Err(
                pcsc::Error::NoService | pcsc::Error::ServiceStopped | pcsc::Error::InvalidHandle,
            ) => return,
            Err(e) => {
                unavailable(sink, format!("Listing card readers failed: {e}"));
                std::thread::sleep(Duration::from_secs(1));
                continue;
            }
        };
        states.retain(|rs| rs.name() == pnp || names.iter().any(|n| n.as_c_str() == rs.name()));
        for n in &names {
            if !states.iter().any(|rs| rs.name() == n.as_c_str()) {
                states.push(ReaderState::new(n.clone(), State::UNAWARE));
            }
        }
        match ctx.get_status_change(WAIT, &mut states) {
            Ok(()) | Err(pcsc::Error::Timeout) => {}
            Err(
                pcsc::Error::NoService | pcsc::Error::ServiceStopped | pcsc::Error::InvalidHandle,
            ) => return,
            Err(pcsc::Error::UnknownReader) => continue,
            Err(e) => {
                tracing::warn!("waiting for reader changes failed: {e}");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        let mut readers = Vec::new();
        for rs in states.iter_mut() {
            rs.sync_current_state();
            if rs.name() == pnp {
                continue;
            }
            let name = rs.name().to_string_lossy().into_owned();
            let state = rs.event_state();
            let busy = sink.busy(&name);
            let card = if state.contains(State::PRESENT) && !state.contains(State::MUTE) {
                let events = rs.event_count();
                let generation = sink.generation(&name);
                match seen.get(&name) {
                    Some(s) if s.events == events && s.generation == generation => {
                        Some(s.card.clone())
                    }
                    // A job owns the card; describe it once the job lets go.
                    _ if busy => Some(CardInReader {
                        atr: hex::encode_upper(rs.atr()),
                        serial: None,
                        chuid_guid: None,
                        piv: true,
                        blank: None,
                        note: Some("being encoded".into()),
                    }),
                    _ => {
                        let card = reader::probe(&name, rs.atr());
                        seen.insert(
                            name.clone(),
                            Seen {
                                events,
                                generation,
                                card: card.clone(),
                            },
                        );
                        Some(card)
                    }
                }
            } else {
                seen.remove(&name);
                state.contains(State::MUTE).then(|| CardInReader {
                    atr: String::new(),
                    serial: None,
                    chuid_guid: None,
                    piv: false,
                    blank: None,
                    note: Some("the card does not answer (mute); reinsert it".into()),
                })
            };
            readers.push(ReaderInfo { name, card, busy });
        }
        readers.sort_by(|a, b| a.name.cmp(&b.name));
        let snapshot = ReaderSnapshot {
            unavailable: None,
            readers,
        };
        if last.as_ref() != Some(&snapshot) {
            sink.publish(snapshot.clone());
            last = Some(snapshot);
        }
    }
}
