//! What an encoding job encodes: a personal card (Issue card) or a temporary card (Issue
//! multiple temporary cards, Repeat production, Initialize temporary card). The steps on the
//! chip are the same; the object, the process and its states, the certificates' subject and the
//! options in force differ, and the transition table says which end state each process reaches.

use crate::entity::{card, temp_card};
use crate::objects::user::people;
use crate::pki::issue::SubjectData;
use crate::{runner, EngineError, Result};
use sea_orm::ConnectionTrait;
use tessera_process::transition::transitions_of;
use tessera_process::{CardState, CertEffect, ObjectKind, ProcessId, State, TempCardState};

/// The object an encoding job belongs to.
pub type Target = (ObjectKind, i64);

/// An encodable object as the job needs it.
pub struct Loaded {
    pub state: State,
    pub version: i64,
    pub subject: SubjectData,
    /// For a personal card, its holder: they must be active for a card to be issued.
    pub holder: Option<i64>,
    /// Who or what, for audit details: "Greta Gran (greta@…)" or "temporary card 12".
    pub label: String,
    /// The batch order that produces it, if one holds it.
    pub batch_order_id: Option<i64>,
}

pub async fn load(conn: &impl ConnectionTrait, target: Target) -> Result<Loaded> {
    match target.0 {
        ObjectKind::Card => {
            let c = runner::load::<card::Entity>(conn, ObjectKind::Card, target.1).await?;
            let holder = people::load(conn, c.person_id).await?;
            Ok(Loaded {
                state: State::Card(c.state),
                version: c.version,
                subject: SubjectData::from(&holder),
                holder: Some(holder.id),
                label: format!("{} ({})", holder.common_name, holder.upn),
                batch_order_id: c.batch_order_id,
            })
        }
        ObjectKind::TempCard => {
            let t = runner::load::<temp_card::Entity>(conn, ObjectKind::TempCard, target.1).await?;
            Ok(Loaded {
                state: State::TempCard(t.state),
                version: t.version,
                // A temporary card is nobody's until it is assigned: its certificates name the card.
                subject: SubjectData {
                    common_name: format!("Temporary card {}", t.id),
                    upn: String::new(),
                    email: String::new(),
                },
                holder: None,
                label: format!("temporary card {}", t.id),
                batch_order_id: t.batch_order_id,
            })
        }
        other => Err(EngineError::Invalid(tessera_process::said!(
            "A {en} is not encoded on a smart card.",
            "{article} {sv} kodas inte på ett smartkort.",
            en = other.label().to_lowercase(),
            article = crate::error::capitalized(crate::error::Swedish::of(other).article),
            sv = other.noun_words().sv
        ))),
    }
}

/// The process that encodes an object of `kind` in `state`, if any does.
pub fn encoding_process(state: State) -> Option<ProcessId> {
    match state {
        State::Card(CardState::Approved) => Some(ProcessId::CardsProcIssue),
        State::TempCard(TempCardState::Requested) => Some(ProcessId::TempCardsBoProcIssueMultiple),
        State::TempCard(TempCardState::Failed) => Some(ProcessId::TempCardsBoProcRepeatProduction),
        State::TempCard(TempCardState::Produced) => {
            Some(ProcessId::TempCardsAddonExtProdInitialize)
        }
        _ => None,
    }
}

/// Where `process` takes an object in `from` once its chip is encoded (the certificates issued).
pub fn encoded_state(process: ProcessId, from: State) -> Result<State> {
    transitions_of(process)
        .find(|t| t.from == Some(from) && t.effect == CertEffect::Issue)
        .map(|t| t.to)
        .ok_or(EngineError::NoTransition {
            process,
            from: from.as_str().into(),
            to: "encoded".into(),
        })
}

/// Where `process` takes an object in `from` whose chip was changed but not finished, if the
/// process has such a state (Initialize temporary card has none: the card stays produced).
pub fn failed_state(process: ProcessId, from: State) -> Option<State> {
    transitions_of(process)
        .find(|t| {
            t.from == Some(from)
                && t.effect == CertEffect::Revoke
                && matches!(
                    t.to,
                    State::Card(CardState::Failed) | State::TempCard(TempCardState::Failed)
                )
        })
        .map(|t| t.to)
}

/// The process an object's encoding panel starts: Issue card on a personal card, Initialize
/// temporary card on a temporary card from the bureau (a batch order encodes the others).
pub fn panel_process(kind: ObjectKind) -> ProcessId {
    match kind {
        ObjectKind::TempCard => ProcessId::TempCardsAddonExtProdInitialize,
        _ => ProcessId::CardsProcIssue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_process_has_an_encoded_state() {
        for state in [
            State::Card(CardState::Approved),
            State::TempCard(TempCardState::Requested),
            State::TempCard(TempCardState::Failed),
            State::TempCard(TempCardState::Produced),
        ] {
            let p = encoding_process(state).unwrap();
            let to = encoded_state(p, state).unwrap();
            assert!(
                matches!(
                    to,
                    State::Card(CardState::Issued) | State::TempCard(TempCardState::Unassigned)
                ),
                "{p:?} from {state:?} → {to:?}"
            );
        }
        assert_eq!(
            failed_state(
                ProcessId::TempCardsBoProcIssueMultiple,
                State::TempCard(TempCardState::Requested)
            ),
            Some(State::TempCard(TempCardState::Failed))
        );
        assert_eq!(
            failed_state(
                ProcessId::TempCardsAddonExtProdInitialize,
                State::TempCard(TempCardState::Produced)
            ),
            None
        );
        assert!(encoding_process(State::Card(CardState::Issued)).is_none());
    }
}
