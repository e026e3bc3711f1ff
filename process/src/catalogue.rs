//! The process catalogue: every use case Tessera knows, by its symbolic name.
//!
//! The symbolic names are the stable ids of processes in code, URLs, audit records and
//! configuration; they follow the established card-management products on purpose.

use crate::kind::{ObjectKind, Role};
use crate::language::{w, Words};
use crate::options::OptionsPackage;
pub use crate::process_id::ProcessId;
use crate::state::{
    BatchOrderState as B, CardState as C, MobileIdState as M, State, TempCardState as T,
    UserState as U,
};
use crate::transition::{transitions_of, Transition};
use serde::{Deserialize, Serialize};

/// The package a process belongs to; a package owns one options document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Package {
    Users,
    Cards,
    TempCards,
    MobileId,
}

impl Package {
    pub fn options(self) -> Option<OptionsPackage> {
        match self {
            Package::Users => Some(OptionsPackage::UsersScriptOptions),
            Package::Cards => Some(OptionsPackage::CardsScriptOptions),
            Package::TempCards => Some(OptionsPackage::TempCardsScriptOptions),
            Package::MobileId => Some(OptionsPackage::MobileIDScriptOptions),
        }
    }
}

/// Where a process is started from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subject {
    /// From the page of an existing object ("What do you want to do?", or a Requests list).
    Object(ObjectKind),
    /// Creates a new object of this kind without starting on another one.
    New(ObjectKind),
    /// From the BATCH ORDERS page, on a selection of objects of this kind.
    BatchOrders(ObjectKind),
    /// Run by the scheduler, not by a person.
    Schedule(ObjectKind),
}

/// The web UI a process belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Component {
    Operator,
    SelfService,
    Scheduler,
}

/// How the engine carries a process out. Naming it in the catalogue row is what makes a process
/// implemented: the engine dispatches on it with an exhaustive `match`, so a new process names
/// its handler once and the compiler finds every place that must know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Handler {
    /// Moves the object it starts on along the transition table, with its certificates (and a
    /// user's credentials): the one process page with the object, what happens, Next / Cancel.
    Lifecycle,
    /// Creates objects without starting on one (Create user, Request temporary cards).
    Create,
    /// Creates a credential for the user it starts on, on a page of its own (Request card,
    /// Supply mobile ID).
    Request,
    /// An approver decides a request (Requests list, pending changes).
    Decision,
    /// Encodes a card in a reader through the card bridge (the reader panel of the card's page).
    Encode,
    /// A step on the BATCH ORDERS page.
    BatchOrder,
    /// Exchanges files with the card bureau, on the schedule.
    BureauSync,
    /// A scheduled sweep over many objects (expiry).
    Sweep,
    /// In the catalogue, so that its name and states are known, but not carried out yet: never
    /// offered, and refused if started.
    NotYet,
}

impl Handler {
    pub const fn is_implemented(self) -> bool {
        !matches!(self, Handler::NotYet)
    }

    /// Offered in "What do you want to do?" (an encoding process leads to the reader panel of
    /// the object's page; the Requests list and BATCH ORDERS page offer theirs).
    pub const fn is_offered_as_link(self) -> bool {
        matches!(
            self,
            Handler::Lifecycle | Handler::Request | Handler::Encode
        )
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProcessDef {
    pub id: ProcessId,
    /// The name an operator reads ("Request card", "Begär kort"). Audit records and engine
    /// messages use the English one, `name.en`.
    pub name: Words,
    pub handler: Handler,
    pub package: Package,
    pub starts_on: Subject,
    /// The states the object it starts on must be in.
    pub required: &'static [State],
    pub component: Component,
    /// Who may start it (any one of these roles).
    pub roles: &'static [Role],
    /// Offered in "What do you want to do?" only where the admin enabled it for the object's
    /// kind and state ("Additional Commands").
    pub command: bool,
    /// Whether a fresh installation enables the command (the seed documents say which are
    /// "disabled by default").
    pub enabled_by_default: bool,
    /// How the object it starts on maps to the object it acts on, e.g. `CardsMapUserToCard`.
    pub mapping: Option<&'static str>,
}

const OP: &[Role] = &[Role::Operator];
const OP_ADMIN: &[Role] = &[Role::Operator, Role::Admin];
const APPROVER: &[Role] = &[Role::Approver];
const SELF: &[Role] = &[Role::SelfService];
const SYSTEM: &[Role] = &[];

#[allow(clippy::too_many_arguments)]
const fn p(
    id: ProcessId,
    name: Words,
    handler: Handler,
    package: Package,
    starts_on: Subject,
    required: &'static [State],
    component: Component,
    roles: &'static [Role],
) -> ProcessDef {
    ProcessDef {
        id,
        name,
        handler,
        package,
        starts_on,
        required,
        component,
        roles,
        command: false,
        enabled_by_default: false,
        mapping: None,
    }
}

impl ProcessDef {
    const fn command(mut self, enabled_by_default: bool) -> Self {
        self.command = true;
        self.enabled_by_default = enabled_by_default;
        self
    }

    const fn mapping(mut self, mapping: &'static str) -> Self {
        self.mapping = Some(mapping);
        self
    }

    /// The transitions this process may apply.
    pub fn transitions(&self) -> impl Iterator<Item = &'static Transition> + '_ {
        transitions_of(self.id)
    }

    /// The states it can leave the objects it acts on in.
    pub fn end_states(&self) -> Vec<State> {
        let mut ends: Vec<State> = self.transitions().map(|t| t.to).collect();
        ends.dedup();
        ends
    }

    pub fn options(&self) -> Option<OptionsPackage> {
        self.package.options()
    }

    pub fn may_start(&self, roles: &[Role]) -> bool {
        self.roles.iter().any(|r| roles.contains(r))
    }
}

use Component::{Operator, Scheduler, SelfService};
use Handler::{
    BatchOrder, BureauSync, Create, Decision, Encode, Lifecycle, NotYet, Request, Sweep,
};
use ObjectKind as K;
use Package::{Cards, MobileId, TempCards, Users};
use ProcessId as P;
use Subject::{BatchOrders, New, Object, Schedule};

const USER_ACTIVE: &[State] = &[State::User(U::Active)];

/// The whole catalogue, in the order the UI lists processes: one process a row.
#[rustfmt::skip]
pub const CATALOGUE: &[ProcessDef] = &[
    // id                                      name (English, Swedish)                                                        handler     package    starts on                 required states                                                                                        component    roles
    p(P::UsersProcCreate,                      w("Create user",                    "Skapa användare"),                        Create,     Users,     New(K::User),             &[],                                                                                                   Operator,    OP_ADMIN),
    p(P::UsersProcRegister,                    w("Register user",                  "Registrera användare"),                   NotYet,     Users,     New(K::User),             &[],                                                                                                   Operator,    OP_ADMIN),
    p(P::UsersProcActivate,                    w("Activate user",                  "Aktivera användare"),                     NotYet,     Users,     Object(K::User),          &[State::User(U::Registered)],                                                                         Operator,    OP).command(true),
    p(P::UsersProcRequest,                     w("Request user",                   "Begär användare"),                        Create,     Users,     New(K::User),             &[],                                                                                                   Operator,    OP),
    p(P::UsersProcApprove,                     w("Approve user",                   "Godkänn användare"),                      Decision,   Users,     Object(K::User),          &[State::User(U::Requested)],                                                                          Operator,    APPROVER),
    p(P::UsersProcReject,                      w("Reject user",                    "Avslå användare"),                        Decision,   Users,     Object(K::User),          &[State::User(U::Requested)],                                                                          Operator,    APPROVER),
    p(P::UsersProcAbort,                       w("Abort user",                     "Avbryt användare"),                       Lifecycle,  Users,     Object(K::User),          &[State::User(U::Registered), State::User(U::Requested)],                                              Operator,    OP).command(true),
    p(P::UsersProcDeactivate,                  w("Deactivate user",                "Inaktivera användare"),                   Lifecycle,  Users,     Object(K::User),          USER_ACTIVE,                                                                                           Operator,    OP).command(true),
    p(P::UsersProcReactivate,                  w("Reactivate user",                "Återaktivera användare"),                 Lifecycle,  Users,     Object(K::User),          &[State::User(U::Inactive)],                                                                           Operator,    OP).command(true),
    p(P::UsersProcLock,                        w("Lock user",                      "Spärra användare"),                       Lifecycle,  Users,     Object(K::User),          &[State::User(U::Active), State::User(U::Inactive)],                                                   Operator,    OP).command(true),
    p(P::CardsProcRequest,                     w("Request card",                   "Begär kort"),                             Request,    Cards,     Object(K::User),          USER_ACTIVE,                                                                                           Operator,    OP).command(false).mapping("CardsMapUserToCard"),
    p(P::CardsProcApprove,                     w("Approve card request",           "Godkänn kortbegäran"),                    Decision,   Cards,     Object(K::Card),          &[State::Card(C::Requested)],                                                                          Operator,    APPROVER),
    p(P::CardsProcReject,                      w("Reject card request",            "Avslå kortbegäran"),                      Decision,   Cards,     Object(K::Card),          &[State::Card(C::Requested)],                                                                          Operator,    APPROVER),
    p(P::CardsProcPostpone,                    w("Postpone card request",          "Skjut upp kortbegäran"),                  Decision,   Cards,     Object(K::Card),          &[State::Card(C::Requested)],                                                                          Operator,    APPROVER),
    p(P::CardsProcAbort,                       w("Abort card request",             "Avbryt kortbegäran"),                     Lifecycle,  Cards,     Object(K::Card),          &[State::Card(C::Requested)],                                                                          Operator,    OP).command(true),
    p(P::CardsProcIssue,                       w("Issue card",                     "Utfärda kort"),                           Encode,     Cards,     Object(K::Card),          &[State::Card(C::Approved)],                                                                           Operator,    OP).command(false),
    p(P::CardsBoProcIssueMultiple,             w("Issue multiple cards",           "Utfärda flera kort"),                     BatchOrder, Cards,     BatchOrders(K::Card),     &[State::Card(C::Approved)],                                                                           Operator,    OP),
    p(P::CardsBoProcRepeatProduction,          w("Repeat production",              "Upprepa produktion"),                     BatchOrder, Cards,     BatchOrders(K::Card),     &[State::Card(C::Failed), State::Card(C::Issued)],                                                     Operator,    OP),
    p(P::CardsBoProcCompleteOrder,             w("Complete order",                 "Slutför beställning"),                    BatchOrder, Cards,     BatchOrders(K::Card),     &[State::BatchOrder(B::InProduction)],                                                                 Operator,    OP),
    p(P::CardsBoProcCancelOrder,               w("Cancel order",                   "Avbryt beställning"),                     BatchOrder, Cards,     BatchOrders(K::Card),     &[State::BatchOrder(B::Open)],                                                                         Operator,    OP),
    p(P::CardsProcActivate,                    w("Activate card",                  "Aktivera kort"),                          Lifecycle,  Cards,     Object(K::Card),          &[State::Card(C::Issued), State::Card(C::Produced)],                                                   Operator,    OP).command(true),
    p(P::CardsProcDeactivate,                  w("Deactivate card",                "Inaktivera kort"),                        Lifecycle,  Cards,     Object(K::Card),          &[State::Card(C::Active)],                                                                             Operator,    OP).command(true),
    p(P::CardsProcReactivate,                  w("Reactivate card",                "Återaktivera kort"),                      Lifecycle,  Cards,     Object(K::Card),          &[State::Card(C::Inactive)],                                                                           Operator,    OP).command(true),
    p(P::CardsProcLock,                        w("Lock card",                      "Spärra kort"),                            Lifecycle,  Cards,     Object(K::Card),          &[State::Card(C::Active), State::Card(C::Inactive)],                                                   Operator,    OP).command(true),
    p(P::CardsAddonExtProdProcOrder,           w("Order card",                     "Beställ kort"),                           Request,    Cards,     Object(K::User),          USER_ACTIVE,                                                                                           Operator,    OP).command(false).mapping("CardsMapUserToCard"),
    p(P::CardsAddonExtProdProcAbort,           w("Abort card order",               "Avbryt kortbeställning"),                 Lifecycle,  Cards,     Object(K::Card),          &[State::Card(C::Processing)],                                                                         Operator,    OP).command(true),
    p(P::CardsAddonExtProdBatchSync,           w("External production sync",       "Synkronisering med extern produktion"),   BureauSync, Cards,     Schedule(K::Card),        &[State::Card(C::Processing), State::Card(C::Ordered), State::Card(C::InProduction)],                  Scheduler,   SYSTEM),
    p(P::CardsBatchExpire,                     w("Expire cards",                   "Låt kort upphöra"),                       NotYet,     Cards,     Schedule(K::Card),        &[State::Card(C::Issued), State::Card(C::Produced), State::Card(C::Active), State::Card(C::Inactive)], Scheduler,   SYSTEM),
    p(P::CardsSelfServiceProcUnblockChangePIN, w("Unblock PIN",                    "Lås upp PIN-kod"),                        NotYet,     Cards,     Object(K::Card),          &[State::Card(C::Active)],                                                                             SelfService, SELF),
    p(P::TempCardsProcRequest,                 w("Request temporary cards",        "Begär tillfälliga kort"),                 Create,     TempCards, New(K::TempCard),         &[],                                                                                                   Operator,    OP),
    p(P::TempCardsBoProcIssueMultiple,         w("Issue multiple temporary cards", "Utfärda flera tillfälliga kort"),         BatchOrder, TempCards, BatchOrders(K::TempCard), &[State::TempCard(T::Requested)],                                                                      Operator,    OP),
    p(P::TempCardsBoProcRepeatProduction,      w("Repeat production",              "Upprepa produktion"),                     BatchOrder, TempCards, BatchOrders(K::TempCard), &[State::TempCard(T::Failed), State::TempCard(T::Unassigned)],                                         Operator,    OP),
    p(P::TempCardsBoProcCompleteOrder,         w("Complete order",                 "Slutför beställning"),                    BatchOrder, TempCards, BatchOrders(K::TempCard), &[State::BatchOrder(B::InProduction)],                                                                 Operator,    OP),
    p(P::TempCardsBoProcCancelOrder,           w("Cancel order",                   "Avbryt beställning"),                     BatchOrder, TempCards, BatchOrders(K::TempCard), &[State::BatchOrder(B::Open)],                                                                         Operator,    OP),
    p(P::TempCardsAddonExtProdProcOrder,       w("Order temporary cards",          "Beställ tillfälliga kort"),               Create,     TempCards, New(K::TempCard),         &[],                                                                                                   Operator,    OP),
    p(P::TempCardsAddonExtProdProcAbort,       w("Abort temporary card order",     "Avbryt beställning av tillfälliga kort"), Lifecycle,  TempCards, Object(K::TempCard),      &[State::TempCard(T::Processing)],                                                                     Operator,    OP).command(true),
    p(P::TempCardsAddonExtProdBatchSync,       w("External production sync",       "Synkronisering med extern produktion"),   BureauSync, TempCards, Schedule(K::TempCard),    &[State::TempCard(T::Processing), State::TempCard(T::Ordered), State::TempCard(T::InProduction)],      Scheduler,   SYSTEM),
    p(P::TempCardsAddonExtProdInitialize,      w("Initialize temporary card",      "Initiera tillfälligt kort"),              Encode,     TempCards, Object(K::TempCard),      &[State::TempCard(T::Produced)],                                                                       Operator,    OP).command(false),
    p(P::TempCardsProcAssign,                  w("Assign temporary card",          "Tilldela tillfälligt kort"),              Lifecycle,  TempCards, Object(K::TempCard),      &[State::TempCard(T::Unassigned)],                                                                     Operator,    OP).command(true),
    p(P::TempCardsProcWithdraw,                w("Withdraw temporary card",        "Dra tillbaka tillfälligt kort"),          Lifecycle,  TempCards, Object(K::TempCard),      &[State::TempCard(T::Assigned), State::TempCard(T::Expired)],                                          Operator,    OP).command(true),
    p(P::TempCardsProcExtend,                  w("Extend temporary card",          "Förläng tillfälligt kort"),               Lifecycle,  TempCards, Object(K::TempCard),      &[State::TempCard(T::Assigned)],                                                                       Operator,    OP).command(true),
    p(P::TempCardsProcLock,                    w("Lock temporary card",            "Spärra tillfälligt kort"),                Lifecycle,  TempCards, Object(K::TempCard),      &[State::TempCard(T::Assigned), State::TempCard(T::Unassigned)],                                       Operator,    OP).command(true),
    p(P::TempCardsBatchExpire,                 w("Expire temporary cards",         "Låt tillfälliga kort upphöra"),           Sweep,      TempCards, Schedule(K::TempCard),    &[State::TempCard(T::Assigned)],                                                                       Scheduler,   SYSTEM),
    p(P::MobileIDProcSupplyMobileIDForUser,    w("Supply mobile ID for user",      "Tillhandahåll mobilt ID för användare"),  Request,    MobileId,  Object(K::User),          USER_ACTIVE,                                                                                           Operator,    OP).command(false).mapping("MobileIDMapUserToMobileID"),
    p(P::MobileIDSelfServiceProcGet,           w("Get mobile ID",                  "Hämta mobilt ID"),                        Request,    MobileId,  Object(K::User),          USER_ACTIVE,                                                                                           SelfService, SELF).command(false),
    p(P::MobileIDProcLockForOperator,          w("Lock mobile ID",                 "Spärra mobilt ID"),                       Lifecycle,  MobileId,  Object(K::MobileId),      &[State::MobileId(M::Registered), State::MobileId(M::Active), State::MobileId(M::Inactive)],           Operator,    OP).command(true),
    p(P::MobileIDSelfServiceProcLock,          w("Lock my mobile ID",              "Spärra mitt mobila ID"),                  Lifecycle,  MobileId,  Object(K::MobileId),      &[State::MobileId(M::Registered), State::MobileId(M::Active), State::MobileId(M::Inactive)],           SelfService, SELF).command(true),
    p(P::MobileIDProcDeactivate,               w("Deactivate mobile ID",           "Inaktivera mobilt ID"),                   Lifecycle,  MobileId,  Object(K::MobileId),      &[State::MobileId(M::Active)],                                                                         Operator,    OP).command(true),
    p(P::MobileIDProcReactivate,               w("Reactivate mobile ID",           "Återaktivera mobilt ID"),                 Lifecycle,  MobileId,  Object(K::MobileId),      &[State::MobileId(M::Inactive)],                                                                       Operator,    OP).command(true),
];

impl ProcessId {
    // Every ProcessId has its row: `every_process_has_exactly_one_catalogue_entry` checks it.
    #[allow(clippy::expect_used)]
    pub fn def(self) -> &'static ProcessDef {
        CATALOGUE
            .iter()
            .find(|d| d.id == self)
            .expect("every ProcessId has a catalogue entry (checked by a test)")
    }
}

/// The commands that can be enabled for objects of `kind` in `state`: those whose required
/// states include it.
pub fn commands_for(kind: ObjectKind, state: State) -> impl Iterator<Item = &'static ProcessDef> {
    CATALOGUE.iter().filter(move |d| {
        d.command && d.starts_on == Subject::Object(kind) && d.required.contains(&state)
    })
}
