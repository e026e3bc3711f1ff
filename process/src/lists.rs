//! The lists an operator or admin opens from the menu, as data: each row names the kind it
//! lists, the states it shows and who may open it. A new list is one row here; the engine's one
//! query, the one server function and the one page serve every row, and the menu offers a row
//! to the roles it names.

use crate::language::{w, Words};
use crate::{BatchOrderState, CardState, CertificateState, ObjectKind, Role, State, TempCardState};
use serde::{Deserialize, Serialize};

macro_rules! lists {
    ($($id:ident => $path:literal),+ $(,)?) => {
        /// A list by its stable name, as the URL `/lists/<path>` shows it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum ListId { $($id),+ }

        impl ListId {
            pub const ALL: &'static [ListId] = &[$(ListId::$id),+];

            pub fn as_str(self) -> &'static str {
                match self { $(ListId::$id => $path),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($path => Some(ListId::$id),)+ _ => None }
            }
        }
    };
}

lists!(
    ExpiredCertificates => "expired-certificates",
    FailedCards => "failed-cards",
    ExpiredTempCards => "expired-temp-cards",
    BatchOrders => "batch-orders",
);

/// Rows on one page of a list.
pub const PAGE: u64 = 100;

/// A column a list of objects can be ordered by: the same columns for every list and for what
/// Quick search finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    /// The object's number: the order they were made in.
    Object,
    /// The holder's common name (for certificates, whose holder is their credential's, none).
    Holder,
    State,
    /// When the object last changed.
    Changed,
}

impl SortBy {
    pub const ALL: &'static [SortBy] = &[
        SortBy::Object,
        SortBy::Holder,
        SortBy::State,
        SortBy::Changed,
    ];

    /// The column's heading, in every language.
    pub fn words(self) -> Words {
        match self {
            SortBy::Object => Words::new("Object", "Objekt"),
            SortBy::Holder => Words::new("Holder", "Innehavare"),
            SortBy::State => Words::new("State", "Tillstånd"),
            SortBy::Changed => Words::new("Changed", "Ändrad"),
        }
    }

    /// The column's heading, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }

    /// Whether objects of `kind` can be ordered by this column.
    pub fn applies_to(self, kind: ObjectKind) -> bool {
        !(self == SortBy::Holder
            && matches!(kind, ObjectKind::Certificate | ObjectKind::BatchOrder))
    }

    /// The direction a first click on the column orders by: numbers and times newest first,
    /// names and states from A.
    pub fn first_descending(self) -> bool {
        matches!(self, SortBy::Object | SortBy::Changed)
    }
}

/// The order of a list: a column and a direction. By default newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sort {
    pub by: SortBy,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            by: SortBy::Object,
            descending: true,
        }
    }
}

impl Sort {
    /// The order after a click on the heading of `by`: the other direction on the same column,
    /// else that column in its first direction.
    pub fn toggled(self, by: SortBy) -> Sort {
        if self.by == by {
            Sort {
                by,
                descending: !self.descending,
            }
        } else {
            Sort {
                by,
                descending: by.first_descending(),
            }
        }
    }
}

/// What a list shows and who may see it.
#[derive(Debug)]
pub struct ListDef {
    pub id: ListId,
    pub title: Words,
    /// Why someone opens it: shown under the title.
    pub purpose: Words,
    /// What the page says when nothing matches.
    pub empty: Words,
    pub kind: ObjectKind,
    /// Objects in any of these states are listed.
    pub states: &'static [State],
    pub roles: &'static [Role],
    /// Offered in the menu; otherwise shown on a page of its own (BATCH ORDERS).
    pub menu: bool,
}

use ObjectKind as K;
use Role::{Admin, Operator};

#[rustfmt::skip]
pub const LISTS: &[ListDef] = &[
    ListDef {
        id: ListId::ExpiredCertificates,
        title:   w("Expired certificates",
                   "Certifikat som har upphört"),
        purpose: w("Certificates past their end date. The credential that holds one needs a new certificate or a new card.",
                   "Certifikat vars slutdatum har passerats. Kortet eller det mobila ID:t som bär ett sådant certifikat behöver ett nytt certifikat eller ett nytt kort."),
        empty:   w("No certificate has expired.",
                   "Inget certifikat har upphört."),
        kind: K::Certificate,
        states: &[State::Certificate(CertificateState::Expired)],
        roles: &[Admin, Operator],
        menu: true,
    },
    ListDef {
        id: ListId::FailedCards,
        title:   w("Failed cards",
                   "Misslyckade kort"),
        purpose: w("Cards whose encoding failed; their certificates are revoked. Lock the card, or request a new one for the holder.",
                   "Kort vars kodning misslyckades; deras certifikat är återkallade. Spärra kortet eller begär ett nytt kort åt innehavaren."),
        empty:   w("No card has failed.",
                   "Inga misslyckade kort."),
        kind: K::Card,
        states: &[State::Card(CardState::Failed)],
        roles: &[Operator],
        menu: true,
    },
    ListDef {
        id: ListId::ExpiredTempCards,
        title:   w("Expired temporary cards",
                   "Tillfälliga kort som har upphört"),
        purpose: w("Temporary cards whose assignment has ended; withdraw them to use them again.",
                   "Tillfälliga kort vars tilldelning har upphört; dra tillbaka dem för att kunna använda dem igen."),
        empty:   w("No temporary card has expired.",
                   "Inget tillfälligt kort har upphört."),
        kind: K::TempCard,
        states: &[State::TempCard(TempCardState::Expired)],
        roles: &[Operator],
        menu: true,
    },
    ListDef {
        id: ListId::BatchOrders,
        title:   w("Batch orders",
                   "Batchbeställningar"),
        purpose: w("Every batch order, newest first: open, in production, completed or cancelled.",
                   "Alla batchbeställningar, nyaste först: öppna, i produktion, slutförda eller avbrutna."),
        empty:   w("No batch orders yet.",
                   "Inga batchbeställningar ännu."),
        kind: K::BatchOrder,
        states: &[
            State::BatchOrder(BatchOrderState::Open),
            State::BatchOrder(BatchOrderState::InProduction),
            State::BatchOrder(BatchOrderState::Completed),
            State::BatchOrder(BatchOrderState::Cancelled),
        ],
        roles: &[Operator],
        menu: false,
    },
];

impl ListId {
    pub fn def(self) -> &'static ListDef {
        // Every id has its row: the test below checks it, so this never falls through.
        LISTS.iter().find(|d| d.id == self).unwrap_or(&LISTS[0])
    }
}

impl ListDef {
    /// Whether an account with `roles` may open the list.
    pub fn open_to(&self, roles: &[Role]) -> bool {
        self.roles.iter().any(|r| roles.contains(r))
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListPage {
    pub list: ListId,
    /// The number of matching objects, beyond this page too.
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<ListRow>,
}

/// One object in a list: what it is, the object whose page to open, its state and a line about
/// it. The same shape for every kind, so that one page shows every list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    pub kind: ObjectKind,
    pub id: i64,
    /// What the first column says ("Card 12", "Certificate 4F2A…").
    pub label: String,
    /// The page the row links to: the object's own, or for a certificate its credential's.
    pub opens: (ObjectKind, i64),
    /// The person it belongs to, as "Common name (UPN)", if any.
    pub holder: Option<String>,
    pub state: State,
    /// A kind's own line: a certificate's profile and end date, a card's profile, …
    pub detail: String,
    /// When it last changed (RFC 3339).
    pub changed_at: String,
}

/// What Quick search finds in: the kinds in its drop-down, in the guides' order.
pub const SEARCH_KINDS: &[ObjectKind] = &[
    ObjectKind::User,
    ObjectKind::Card,
    ObjectKind::TempCard,
    ObjectKind::MobileId,
    ObjectKind::Certificate,
];

/// Quick search's answer: rows of a list's shape, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    /// The number of matching objects, beyond this page too.
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<ListRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_on_the_same_heading_turns_the_order_and_another_starts_in_its_first_direction() {
        let newest = Sort::default();
        assert_eq!(
            newest.toggled(SortBy::Object),
            Sort {
                by: SortBy::Object,
                descending: false
            }
        );
        assert_eq!(
            newest.toggled(SortBy::Holder),
            Sort {
                by: SortBy::Holder,
                descending: false
            }
        );
        assert_eq!(
            newest.toggled(SortBy::Holder).toggled(SortBy::Holder),
            Sort {
                by: SortBy::Holder,
                descending: true
            }
        );
        assert_eq!(
            newest.toggled(SortBy::Changed),
            Sort {
                by: SortBy::Changed,
                descending: true
            }
        );
        assert!(!SortBy::Holder.applies_to(ObjectKind::Certificate));
        assert!(SortBy::Holder.applies_to(ObjectKind::TempCard));
    }

    #[test]
    fn every_list_has_one_row_whose_states_are_of_its_kind() {
        for id in ListId::ALL {
            let rows: Vec<_> = LISTS.iter().filter(|d| d.id == *id).collect();
            assert_eq!(rows.len(), 1, "{id:?}");
            let def = id.def();
            assert_eq!(def.id, *id);
            assert!(!def.states.is_empty() && !def.roles.is_empty(), "{id:?}");
            for s in def.states {
                assert_eq!(s.kind(), def.kind, "{id:?} lists {s:?}");
            }
            assert_eq!(ListId::parse(id.as_str()), Some(*id));
        }
        assert_eq!(LISTS.len(), ListId::ALL.len());
        assert_eq!(ListId::parse("no-such-list"), None);
    }

    #[test]
    fn a_list_is_open_only_to_its_roles() {
        let def = ListId::ExpiredCertificates.def();
        assert!(def.open_to(&[Role::Operator]));
        assert!(!def.open_to(&[Role::SelfService, Role::Approver]));
    }
}
