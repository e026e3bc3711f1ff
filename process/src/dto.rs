//! What the server functions send to the browser. Times are RFC 3339 text.

use crate::catalogue::ProcessId;
use crate::kind::ObjectKind;
use crate::kind::Role;
use crate::profile::{CertificateProfile, RevocationReason};
use crate::state::{
    BatchOrderState, CardState, CertificateState, MobileIdState, State, TempCardState, UserState,
};
use serde::{Deserialize, Serialize};

/// The signed-in account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    /// Empty while the password must be changed: a password an admin set opens nothing else.
    pub roles: Vec<Role>,
    /// The person a self-service account belongs to.
    pub person_id: Option<i64>,
    pub must_change_password: bool,
    /// The language the account chose; `None`: the one the browser asks for.
    pub language: Option<crate::Language>,
}

/// One of one's own sessions (a signed-in browser).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRow {
    /// A short, stable reference (not the token).
    pub id: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub source: String,
    /// The session this page was loaded with.
    pub current: bool,
}

/// The signed-in person's own account: password and sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyAccount {
    pub username: String,
    pub display_name: String,
    pub must_change_password: bool,
    pub sessions: Vec<SessionRow>,
    pub idle_minutes: i64,
    /// The language the account chose; `None`: the one the browser asks for.
    pub language: Option<crate::Language>,
}

impl SessionInfo {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A line of the quick search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub employee_id: String,
    pub common_name: String,
    pub upn: String,
    pub department: String,
    pub state: UserState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetail {
    pub id: i64,
    pub employee_id: String,
    pub given_name: String,
    pub surname: String,
    pub common_name: String,
    pub upn: String,
    pub email: String,
    pub department: String,
    pub state: UserState,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardSummary {
    pub id: i64,
    pub state: CardState,
    pub card_profile: String,
    pub requested_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

/// A process offered in "What do you want to do?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    pub process: ProcessId,
    pub name: String,
}

/// The user page: data, credentials and what can be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserPage {
    pub user: UserDetail,
    pub cards: Vec<CardSummary>,
    pub certificates: Vec<CertificateRow>,
    pub commands: Vec<Command>,
    pub mobile_ids: Vec<MobileIdRow>,
    /// A change of e-mail address or UPN waiting for a second person.
    pub pending_change: Option<PendingChange>,
    /// The user's own history (edits, approvals, processes, key recoveries), oldest first.
    pub history: Vec<AuditRow>,
}

/// A change of who a person is (e-mail address, UPN) on a person with credentials: it takes
/// effect only when a second person approves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingChange {
    pub id: i64,
    pub user_id: i64,
    pub common_name: String,
    pub employee_id: String,
    /// "email: old → new", one per changed field.
    pub changes: Vec<String>,
    pub requested_by: String,
    pub requested_at: String,
    /// Why it needs approval ("2 valid certificates, mobile ID 3 waiting for enrollment").
    pub because: String,
}

/// Edit user: saved at once, or (for the e-mail address or UPN of a person with credentials)
/// waiting for a second person's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserEditOutcome {
    pub user: UserDetail,
    pub pending: Option<PendingChange>,
}

/// An option value a process runs with, as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionInForce {
    pub key: String,
    pub label: String,
    pub value: String,
}

/// The Request card page before Next: nothing is stored yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCardPreview {
    pub user: UserDetail,
    pub card_profile: String,
    pub options: Vec<OptionInForce>,
    pub options_version: i64,
    /// The state the card will be in after Next.
    pub end_state: CardState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCardOutcome {
    pub card_id: i64,
    pub user_id: i64,
    pub state: CardState,
    pub options: Vec<OptionInForce>,
    /// The options version the run used.
    pub options_version: i64,
}

/// One page of the approver's Requests list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRequestPage {
    /// The number of requests waiting, beyond this page too.
    pub total: u64,
    pub offset: u64,
    pub rows: Vec<CardRequestRow>,
}

/// Which card requests the Requests list shows: all, those no approver has put off, or the
/// postponed ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestsShown {
    #[default]
    All,
    NotPostponed,
    Postponed,
}

impl RequestsShown {
    pub const ALL: [RequestsShown; 3] = [
        RequestsShown::All,
        RequestsShown::NotPostponed,
        RequestsShown::Postponed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestsShown::All => "all",
            RequestsShown::NotPostponed => "not_postponed",
            RequestsShown::Postponed => "postponed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn words(self) -> crate::Words {
        use crate::Words as W;
        match self {
            RequestsShown::All => W::new("All requests", "Alla begäranden"),
            RequestsShown::NotPostponed => W::new("Not postponed", "Ej uppskjutna"),
            RequestsShown::Postponed => W::new("Postponed", "Uppskjutna"),
        }
    }
}

/// A line of the approver's Requests list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardRequestRow {
    pub card_id: i64,
    pub version: i64,
    pub user_id: i64,
    pub common_name: String,
    pub upn: String,
    pub card_profile: String,
    pub requested_by: String,
    pub requested_at: String,
    /// Set when an approver postponed the decision: who and when.
    pub postponed: Option<String>,
    /// The signed-in approver made this request, so they may not decide it.
    pub own_request: bool,
}

/// The card page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardPage {
    pub card: CardSummary,
    pub user: UserSummary,
    pub certificates: Vec<CertificateRow>,
    pub history: Vec<AuditRow>,
    /// "What do you want to do?": the enabled card processes the caller may start.
    pub commands: Vec<Command>,
}

/// The admin's view of an options document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionsPage {
    pub package: String,
    pub label: String,
    pub version: i64,
    pub changed_by: String,
    pub changed_at: String,
    pub fields: Vec<OptionField>,
    /// Every version, newest first, with what changed against the one before.
    pub history: Vec<OptionsVersionRow>,
}

/// One version of an options document in its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionsVersionRow {
    pub version: i64,
    pub changed_by: String,
    pub changed_at: String,
    /// "key: old → new" for each value that differs from the previous version.
    pub changes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OptionInput {
    Bool,
    Int { min: i64, max: i64 },
    Choice(Vec<String>),
    Set(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionField {
    pub key: String,
    pub label: String,
    pub help: String,
    pub input: OptionInput,
    /// The current value as form text ("yes", "6", "authentication, signature").
    pub value: String,
    pub default: String,
}

/// One record of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub detail: String,
    /// The record's data (before/after values, options, reasons) as pretty JSON.
    pub data: String,
}

/// What the audit viewer filters by; empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// `ObjectKind::as_str`, e.g. "card".
    pub object_kind: String,
    pub object_id: String,
    pub actor: String,
    /// Process or action name, e.g. `CardsProcApprove`.
    pub action: String,
    /// From this day or time on (YYYY-MM-DD or RFC 3339).
    pub since: String,
    /// Up to and including this day or time.
    pub until: String,
    /// Only records older than this one (its number): where the next page starts.
    #[serde(default)]
    pub before: Option<i64>,
}

/// The home page of a staff account: the work waiting for it. A panel none of its roles sees
/// is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Card requests, requested users and identity changes waiting for a decision this account
    /// may take (approvers).
    pub requests_for_me: Option<u64>,
    /// Encoding jobs whose outcome is unknown until the card is read back (operators, admins).
    pub jobs_in_doubt: Option<Vec<DashboardLine>>,
    /// Batch orders open or in production (operators).
    pub open_batches: Option<Vec<DashboardLine>>,
    /// Valid certificates that end within 30 days, soonest first, and how many there are
    /// (operators, admins).
    pub expiring: Option<(u64, Vec<DashboardLine>)>,
    /// Mails the outbox gave up on, newest first, and how many (admins).
    pub mails_given_up: Option<(u64, Vec<DashboardLine>)>,
}

/// A line of a dashboard panel: what, the object it is about (its page), and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardLine {
    pub text: String,
    pub object: Option<(crate::ObjectKind, i64)>,
    /// RFC 3339.
    pub at: String,
}

/// A page of the audit viewer, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Where the next (older) page starts, if there are older records.
    pub older: Option<i64>,
}

/// A line of a certificates panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateRow {
    pub id: i64,
    /// Hex, as `openssl x509 -serial` prints it.
    pub serial: String,
    pub profile: String,
    pub subject: String,
    pub key_algorithm: String,
    pub owner_kind: ObjectKind,
    pub owner_id: i64,
    pub state: CertificateState,
    pub not_before: String,
    pub not_after: String,
    /// `RevocationReason::label` for a revoked or held certificate.
    pub revocation_reason: Option<String>,
    /// Its private key is escrowed and can be recovered.
    pub escrowed: bool,
}

/// One of the CA's certificates, as the admin's CA page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaCertificateInfo {
    pub role: String,
    pub subject: String,
    pub serial: String,
    pub algorithm: String,
    pub not_before: String,
    pub not_after: String,
    pub sha256: String,
    pub download_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrlInfo {
    pub number: i64,
    pub this_update: String,
    pub next_update: String,
    pub entries: i64,
}

/// The admin's CA page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaPage {
    pub certificates: Vec<CaCertificateInfo>,
    /// How the CA keys are protected at rest (the key-encryption key's label).
    pub key_protection: String,
    pub crl_url: String,
    pub crl: Option<CrlInfo>,
    pub issued: i64,
    pub revoked: i64,
    pub on_hold: i64,
}

/// A certificate profile as stored, for the admin's editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileRow {
    pub id: i64,
    pub version: i64,
    pub updated_at: String,
    pub profile: CertificateProfile,
}

/// A recovered key: a password-protected PKCS#12 file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveredKey {
    pub file_name: String,
    /// The PKCS#12 file, base64.
    pub pkcs12_base64: String,
}

/// A credential a user process changes along with the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CascadeLine {
    pub kind: ObjectKind,
    pub id: i64,
    pub from: State,
    pub to: State,
    pub process: ProcessId,
}

/// The object a lifecycle process page is about, as that page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProcessSubject {
    User(UserDetail),
    Card {
        card: CardSummary,
        user: UserSummary,
    },
    TempCard(TempCardRow),
    MobileId {
        mobile_id: MobileIdRow,
        user: UserSummary,
    },
}

impl ProcessSubject {
    pub fn kind(&self) -> ObjectKind {
        match self {
            ProcessSubject::User(_) => ObjectKind::User,
            ProcessSubject::Card { .. } => ObjectKind::Card,
            ProcessSubject::TempCard(_) => ObjectKind::TempCard,
            ProcessSubject::MobileId { .. } => ObjectKind::MobileId,
        }
    }

    pub fn id(&self) -> i64 {
        match self {
            ProcessSubject::User(u) => u.id,
            ProcessSubject::Card { card, .. } => card.id,
            ProcessSubject::TempCard(c) => c.id,
            ProcessSubject::MobileId { mobile_id, .. } => mobile_id.id,
        }
    }

    /// The version Next must find unchanged.
    pub fn version(&self) -> i64 {
        match self {
            ProcessSubject::User(u) => u.version,
            ProcessSubject::Card { card, .. } => card.version,
            ProcessSubject::TempCard(c) => c.version,
            ProcessSubject::MobileId { mobile_id, .. } => mobile_id.version,
        }
    }

    /// The person who holds a credential.
    pub fn holder(&self) -> Option<&UserSummary> {
        match self {
            ProcessSubject::Card { user, .. } | ProcessSubject::MobileId { user, .. } => Some(user),
            ProcessSubject::User(_) | ProcessSubject::TempCard(_) => None,
        }
    }

    pub fn state(&self) -> State {
        match self {
            ProcessSubject::User(u) => State::User(u.state),
            ProcessSubject::Card { card, .. } => State::Card(card.state),
            ProcessSubject::TempCard(c) => State::TempCard(c.state),
            ProcessSubject::MobileId { mobile_id, .. } => State::MobileId(mobile_id.state),
        }
    }
}

/// A lifecycle process before Next (Deactivate user, Lock card, Assign temporary card, …): the
/// object, where it ends, and what changes with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessPreview {
    pub process: ProcessId,
    pub name: String,
    pub subject: ProcessSubject,
    pub end_state: State,
    /// The credentials a user process moves along with the user.
    pub cascade: Vec<CascadeLine>,
    /// Certificates that will be validated, put on hold, released or revoked.
    pub certificates: usize,
    /// A revoking process asks why (an RFC 5280 reason).
    pub needs_reason: bool,
    /// Assign temporary card asks for the user.
    pub needs_user: bool,
    /// Assign and Extend temporary card: days of validity the option gives.
    pub validity_days: Option<i64>,
}

/// What Next of a lifecycle process is given besides the object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessInput {
    /// Why the certificates are revoked (Lock, Withdraw).
    pub reason: Option<RevocationReason>,
    /// Assign temporary card: the user who gets it.
    pub user_id: Option<i64>,
}

impl ProcessInput {
    /// For a process that may revoke certificates.
    pub fn because(reason: Option<RevocationReason>) -> Self {
        ProcessInput {
            reason,
            user_id: None,
        }
    }
}

/// A lifecycle process after Next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessOutcome {
    pub kind: ObjectKind,
    pub id: i64,
    pub state: State,
    pub certificates_changed: usize,
    /// The credentials that moved with a user.
    pub cascade: Vec<CascadeLine>,
    /// An assigned temporary card: until when.
    pub assigned_until: Option<String>,
}

/// A process as the Additional Commands page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandEntry {
    pub process: ProcessId,
    pub name: String,
    pub mapping: Option<String>,
    pub roles: Vec<Role>,
    /// Whether this version of Tessera carries the process out (otherwise it is kept enabled
    /// but not offered to operators yet).
    pub implemented: bool,
}

/// One state's tab of the Additional Commands page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateCommands {
    pub state: State,
    pub label: String,
    pub enabled: Vec<CommandEntry>,
    /// What the process model allows here and is not enabled yet.
    pub available: Vec<CommandEntry>,
}

/// The Additional Commands page of an object kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandsPage {
    pub kind: ObjectKind,
    pub states: Vec<StateCommands>,
}

/// What an import line would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Create,
    Update,
    Unchanged,
    Error,
}

impl ImportAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportAction::Create => "create",
            ImportAction::Update => "update",
            ImportAction::Unchanged => "unchanged",
            ImportAction::Error => "error",
        }
    }

    /// What the line would do, as the preview names it.
    pub fn words(self) -> crate::Words {
        use crate::Words as W;
        match self {
            ImportAction::Create => W::new("create", "skapa"),
            ImportAction::Update => W::new("update", "uppdatera"),
            ImportAction::Unchanged => W::new("unchanged", "oförändrad"),
            ImportAction::Error => W::new("error", "fel"),
        }
    }
}

/// One line of an import preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLine {
    pub line: usize,
    pub employee_id: String,
    pub common_name: String,
    pub action: ImportAction,
    /// Errors (for `Error`) or the changed fields (for `Update`).
    pub messages: Vec<String>,
}

/// An import file checked against the directory; nothing is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    pub lines: Vec<ImportLine>,
    pub creates: usize,
    pub updates: usize,
    pub unchanged: usize,
    pub errors: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOutcome {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// The state new users got (active, or requested with the approval step).
    pub new_state: UserState,
}

/// An account as the admin's Accounts page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// For a self-service account: the user it belongs to (id, common name, employee id).
    pub person: Option<(i64, String, String)>,
    pub disabled: bool,
    pub created_at: String,
}

/// What the Accounts page asks for: a page of accounts, narrowed by text and by role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountQuery {
    /// Part of the user name or the display name.
    #[serde(default)]
    pub text: String,
    /// Only accounts that hold this role.
    #[serde(default)]
    pub role: Option<Role>,
    /// The first row of the page.
    #[serde(default)]
    pub offset: u64,
}

/// A page of the Accounts list ([`crate::lists::PAGE`] rows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPage {
    pub rows: Vec<AccountRow>,
    /// How many accounts the query matches.
    pub total: u64,
    pub offset: u64,
}

/// A new account, as the admin enters it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub roles: Vec<Role>,
    /// The employee id of the user a self-service account belongs to.
    pub employee_id: String,
}

/// A new account: its id, and for a self-service account the address its user's link to
/// choose a password went to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCreated {
    pub id: i64,
    pub invited: Option<String>,
}

/// What an external production sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOutcome {
    /// The order files written (one per kind: cards, temporary cards) and how many cards each holds.
    pub order_files: Vec<(String, usize)>,
    pub reports: Vec<ReportOutcome>,
}

/// What a bureau report did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOutcome {
    pub source: String,
    pub applied: usize,
    /// (line number, the line's card id as written, why it was refused)
    pub refused: Vec<(usize, String, String)>,
}

/// The admin's External production page: order files and reports, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalPage {
    pub outbox_dir: String,
    pub inbox_dir: String,
    pub queued: usize,
    /// (file name, cards, written to the outbox, created)
    pub orders: Vec<(String, i32, bool, String)>,
    pub reports: Vec<ReportRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub source: String,
    pub applied: i32,
    pub refused: i32,
    pub details: String,
    pub received_at: String,
}

/// A temporary card in lists and on its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TempCardRow {
    pub id: i64,
    pub state: TempCardState,
    pub version: i64,
    /// The holder while it is assigned (or expired).
    pub user_id: Option<i64>,
    pub user: Option<String>,
    pub assigned_until: Option<String>,
    pub batch_order_id: Option<i64>,
    /// The chip's serial once it is encoded.
    pub chip_serial: Option<String>,
    pub created_at: String,
}

/// The temporary card page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TempCardPage {
    pub card: TempCardRow,
    pub certificates: Vec<CertificateRow>,
    pub history: Vec<AuditRow>,
    pub commands: Vec<Command>,
}

/// A card the BATCH ORDERS search offers: ready for production, in no batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCandidate {
    pub id: i64,
    /// A personal card's holder, "Greta Gran (greta@…)".
    pub holder: Option<String>,
    pub created_at: String,
}

/// A card of a batch order and how its production went.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchCard {
    pub id: i64,
    pub state: crate::State,
    /// Still waiting to be produced (requested, approved).
    pub waiting: bool,
    /// Its production failed: Repeat production makes it again.
    pub failed: bool,
    /// Repeat production can make it again (failed, or produced and printed wrongly) while the
    /// batch is in production.
    pub repeatable: bool,
    pub holder: Option<String>,
    pub chip_serial: Option<String>,
    /// Why the last production of this card failed.
    pub error: Option<String>,
    /// The new PIN, shown once to the operator who produced the card.
    pub pin: Option<String>,
}

impl std::fmt::Debug for BatchCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchCard")
            .field("id", &self.id)
            .field("state", &self.state)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// A batch order on the BATCH ORDERS page, with its production.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchView {
    pub id: i64,
    /// The kind of card it produces.
    pub kind: crate::ObjectKind,
    pub state: BatchOrderState,
    pub version: i64,
    pub created_by: String,
    pub created_at: String,
    /// Whether production encodes the cards (option "Encode the temporary card").
    pub encode: bool,
    pub cards: Vec<BatchCard>,
    pub produced: usize,
    pub failed: usize,
    /// Production runs in the background (encoding through the card bridge).
    pub running: bool,
    /// What production waits for ("Insert a blank card …"), or why it stopped.
    pub message: Option<String>,
    /// The encoding job under way.
    pub job: Option<crate::bridge::JobView>,
}

/// Where a mobile ID's one-time activation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationState {
    /// QR code in Self-Service: no code exists until the user shows it there.
    NotShown,
    /// A code exists and can be used until `expires_at`.
    Open,
    Expired,
    /// Too many wrong codes: this code no longer works.
    Blocked,
    /// Every certificate was enrolled.
    Used,
    /// The holder's e-mail address or UPN changed after the code was made.
    Voided,
}

impl ActivationState {
    pub const ALL: &'static [ActivationState] = &[
        ActivationState::NotShown,
        ActivationState::Open,
        ActivationState::Expired,
        ActivationState::Blocked,
        ActivationState::Used,
        ActivationState::Voided,
    ];

    /// Where the activation stands, inside a sentence, in every language.
    pub fn words(self) -> crate::Words {
        use crate::Words as W;
        match self {
            ActivationState::NotShown => W::new(
                "waiting for the user to show the QR code in Self-Service",
                "väntar på att användaren visar QR-koden i självbetjäningen",
            ),
            ActivationState::Open => W::new("open", "öppen"),
            ActivationState::Expired => W::new("expired", "har upphört"),
            ActivationState::Blocked => W::new(
                "blocked after too many wrong codes",
                "spärrad efter för många felaktiga koder",
            ),
            ActivationState::Used => W::new("used", "använd"),
            ActivationState::Voided => W::new(
                "voided: the holder's e-mail address or UPN changed",
                "ogiltig: innehavarens e-postadress eller UPN har ändrats",
            ),
        }
    }

    /// Where the activation stands, inside a sentence, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }
}

/// A mobile ID in lists and on its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MobileIdRow {
    pub id: i64,
    pub state: MobileIdState,
    pub version: i64,
    pub user_id: i64,
    pub user: String,
    /// `self_service` or `email`.
    pub delivery: String,
    /// EST labels of the certificates it gets ("authentication", …).
    pub certificates: Vec<String>,
    /// Labels already enrolled (a certificate issued for them).
    pub enrolled: Vec<String>,
    pub recover_encryption: bool,
    pub valid_until: Option<String>,
    pub created_at: String,
    pub activated_at: Option<String>,
    pub activation: ActivationState,
    pub activation_expires_at: Option<String>,
    pub failed_attempts: i32,
    /// Recovering an escrowed key onto it needs a key recovery agent's consent: who gave it,
    /// when and why ("Rita Recovery, 2026-12-02 14:00: lost laptop").
    pub recovery_consent: Option<String>,
    /// On a person's own page (Self-Service): what they may do with it ("Lock my mobile ID").
    /// Empty elsewhere, where the mobile ID's page offers the commands.
    pub commands: Vec<Command>,
}

/// The mobile ID page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MobileIdPage {
    pub mobile_id: MobileIdRow,
    pub user: UserSummary,
    /// The user properties the app receives: (name, value).
    pub properties: Vec<(String, String)>,
    pub certificates: Vec<CertificateRow>,
    pub history: Vec<AuditRow>,
    pub commands: Vec<Command>,
}

/// Supply mobile ID (or Get mobile ID) before Next: nothing is stored yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplyMobileIdPreview {
    pub process: ProcessId,
    pub name: String,
    pub user: UserDetail,
    pub options: Vec<OptionInForce>,
    pub options_version: i64,
    pub certificates: Vec<String>,
    /// `self_service` or `email`.
    pub delivery: String,
    /// The address the QR code goes to, when it goes by e-mail.
    pub email: Option<String>,
    pub end_state: MobileIdState,
}

/// The QR code a phone scans, shown once: the code in it is not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MobileIdQr {
    pub mobile_id: i64,
    pub link: String,
    pub svg: String,
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplyMobileIdOutcome {
    pub mobile_id: i64,
    pub user_id: i64,
    pub state: MobileIdState,
    pub delivery: String,
    /// Where the e-mail with the QR code went.
    pub sent_to: Option<String>,
    /// Get mobile ID in Self-Service shows the QR code at once.
    pub qr: Option<MobileIdQr>,
    pub options: Vec<OptionInForce>,
    pub options_version: i64,
}
