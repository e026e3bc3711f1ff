//! The transition table: the only state changes Tessera makes, as data (after Dogtag TPS).

use crate::kind::ObjectKind;
use crate::process_id::ProcessId;
use crate::state::{
    BatchOrderState as B, CardState as C, CertificateState as X, MobileIdState as M, State,
    TempCardState as T, UserState as U,
};
use serde::{Deserialize, Serialize};

/// What a transition does to the certificates of the credential it moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertEffect {
    None,
    /// The CA signs new certificates; they start `issued`.
    Issue,
    /// issued → valid: the certificates reached their credential.
    Validate,
    /// valid → on hold.
    Hold,
    /// on hold → valid.
    Release,
    /// Any live certificate → revoked, with a reason.
    Revoke,
    /// Replaced by newer certificates: revoked with reason "superseded".
    Supersede,
    /// Past `not_after`.
    Expire,
}

/// One allowed state change. `from: None` creates the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: Option<State>,
    pub to: State,
    pub process: ProcessId,
    pub effect: CertEffect,
}

impl Transition {
    pub fn kind(&self) -> ObjectKind {
        self.to.kind()
    }
}

const fn t(from: Option<State>, to: State, process: ProcessId, effect: CertEffect) -> Transition {
    Transition {
        from,
        to,
        process,
        effect,
    }
}

use CertEffect as E;
use ProcessId as P;

const fn u(s: U) -> State {
    State::User(s)
}
const fn c(s: C) -> State {
    State::Card(s)
}
const fn tc(s: T) -> State {
    State::TempCard(s)
}
const fn m(s: M) -> State {
    State::MobileId(s)
}
const fn b(s: B) -> State {
    State::BatchOrder(s)
}

/// Every state change of users, cards, temporary cards, mobile IDs and batch orders.
#[rustfmt::skip]
pub const TRANSITIONS: &[Transition] = &[
    // from                      to                   process                                  certificates
    // Users
    t(None,                      u(U::Active),        P::UsersProcCreate,                      E::None),
    t(None,                      u(U::Registered),    P::UsersProcRegister,                    E::None),
    t(Some(u(U::Registered)),    u(U::Active),        P::UsersProcActivate,                    E::None),
    t(None,                      u(U::Requested),     P::UsersProcRequest,                     E::None),
    t(Some(u(U::Requested)),     u(U::Active),        P::UsersProcApprove,                     E::None),
    t(Some(u(U::Requested)),     u(U::Rejected),      P::UsersProcReject,                      E::None),
    t(Some(u(U::Registered)),    u(U::Aborted),       P::UsersProcAbort,                       E::None),
    t(Some(u(U::Requested)),     u(U::Aborted),       P::UsersProcAbort,                       E::None),
    t(Some(u(U::Active)),        u(U::Inactive),      P::UsersProcDeactivate,                  E::Hold),
    t(Some(u(U::Inactive)),      u(U::Active),        P::UsersProcReactivate,                  E::Release),
    t(Some(u(U::Active)),        u(U::Locked),        P::UsersProcLock,                        E::Revoke),
    t(Some(u(U::Inactive)),      u(U::Locked),        P::UsersProcLock,                        E::Revoke),
    // Cards: request and approval
    t(None,                      c(C::Requested),     P::CardsProcRequest,                     E::None),
    t(None,                      c(C::Approved),      P::CardsProcRequest,                     E::None),
    t(Some(c(C::Requested)),     c(C::Approved),      P::CardsProcApprove,                     E::None),
    t(Some(c(C::Requested)),     c(C::Rejected),      P::CardsProcReject,                      E::None),
    t(Some(c(C::Requested)),     c(C::Requested),     P::CardsProcPostpone,                    E::None),
    t(Some(c(C::Requested)),     c(C::Aborted),       P::CardsProcAbort,                       E::None),
    // Cards: local production
    t(Some(c(C::Approved)),      c(C::Issued),        P::CardsProcIssue,                       E::Issue),
    t(Some(c(C::Approved)),      c(C::Failed),        P::CardsProcIssue,                       E::Revoke),
    t(Some(c(C::Approved)),      c(C::Issued),        P::CardsBoProcIssueMultiple,             E::Issue),
    t(Some(c(C::Approved)),      c(C::Failed),        P::CardsBoProcIssueMultiple,             E::Revoke),
    t(Some(c(C::Failed)),        c(C::Issued),        P::CardsBoProcRepeatProduction,          E::Issue),
    t(Some(c(C::Failed)),        c(C::Failed),        P::CardsBoProcRepeatProduction,          E::Revoke),
    // A produced card made again (printed wrongly): taken back first, then as a failed one.
    t(Some(c(C::Issued)),        c(C::Failed),        P::CardsBoProcRepeatProduction,          E::Revoke),
    // Cards: external production
    t(None,                      c(C::Requested),     P::CardsAddonExtProdProcOrder,           E::None),
    t(None,                      c(C::Processing),    P::CardsAddonExtProdProcOrder,           E::None),
    t(None,                      c(C::Ordered),       P::CardsAddonExtProdProcOrder,           E::None),
    t(Some(c(C::Approved)),      c(C::Processing),    P::CardsAddonExtProdProcOrder,           E::None),
    t(Some(c(C::Approved)),      c(C::Ordered),       P::CardsAddonExtProdProcOrder,           E::None),
    t(Some(c(C::Processing)),    c(C::Aborted),       P::CardsAddonExtProdProcAbort,           E::None),
    t(Some(c(C::Processing)),    c(C::Ordered),       P::CardsAddonExtProdBatchSync,           E::None),
    t(Some(c(C::Ordered)),       c(C::InProduction),  P::CardsAddonExtProdBatchSync,           E::None),
    t(Some(c(C::Ordered)),       c(C::Produced),      P::CardsAddonExtProdBatchSync,           E::Issue),
    t(Some(c(C::Ordered)),       c(C::Failed),        P::CardsAddonExtProdBatchSync,           E::None),
    t(Some(c(C::InProduction)),  c(C::Produced),      P::CardsAddonExtProdBatchSync,           E::Issue),
    t(Some(c(C::InProduction)),  c(C::Failed),        P::CardsAddonExtProdBatchSync,           E::Revoke),
    // Cards: in use
    t(Some(c(C::Issued)),        c(C::Active),        P::CardsProcActivate,                    E::Validate),
    t(Some(c(C::Produced)),      c(C::Active),        P::CardsProcActivate,                    E::Validate),
    t(Some(c(C::Active)),        c(C::Inactive),      P::CardsProcDeactivate,                  E::Hold),
    t(Some(c(C::Inactive)),      c(C::Active),        P::CardsProcReactivate,                  E::Release),
    t(Some(c(C::Active)),        c(C::Locked),        P::CardsProcLock,                        E::Revoke),
    t(Some(c(C::Inactive)),      c(C::Locked),        P::CardsProcLock,                        E::Revoke),
    t(Some(c(C::Active)),        c(C::Active),        P::CardsSelfServiceProcUnblockChangePIN, E::None),
    t(Some(c(C::Issued)),        c(C::Expired),       P::CardsBatchExpire,                     E::Expire),
    t(Some(c(C::Produced)),      c(C::Expired),       P::CardsBatchExpire,                     E::Expire),
    t(Some(c(C::Active)),        c(C::Expired),       P::CardsBatchExpire,                     E::Expire),
    t(Some(c(C::Inactive)),      c(C::Expired),       P::CardsBatchExpire,                     E::Expire),
    // Temporary cards: local production
    t(None,                      tc(T::Requested),    P::TempCardsProcRequest,                 E::None),
    t(Some(tc(T::Requested)),    tc(T::Unassigned),   P::TempCardsBoProcIssueMultiple,         E::Issue),
    t(Some(tc(T::Requested)),    tc(T::Failed),       P::TempCardsBoProcIssueMultiple,         E::Revoke),
    t(Some(tc(T::Failed)),       tc(T::Unassigned),   P::TempCardsBoProcRepeatProduction,      E::Issue),
    t(Some(tc(T::Failed)),       tc(T::Failed),       P::TempCardsBoProcRepeatProduction,      E::Revoke),
    t(Some(tc(T::Unassigned)),   tc(T::Failed),       P::TempCardsBoProcRepeatProduction,      E::Revoke),
    // Temporary cards: external production
    t(None,                      tc(T::Processing),   P::TempCardsAddonExtProdProcOrder,       E::None),
    t(None,                      tc(T::Ordered),      P::TempCardsAddonExtProdProcOrder,       E::None),
    t(Some(tc(T::Processing)),   tc(T::Aborted),      P::TempCardsAddonExtProdProcAbort,       E::None),
    t(Some(tc(T::Processing)),   tc(T::Ordered),      P::TempCardsAddonExtProdBatchSync,       E::None),
    t(Some(tc(T::Ordered)),      tc(T::InProduction), P::TempCardsAddonExtProdBatchSync,       E::None),
    t(Some(tc(T::Ordered)),      tc(T::Produced),     P::TempCardsAddonExtProdBatchSync,       E::None),
    t(Some(tc(T::Ordered)),      tc(T::Failed),       P::TempCardsAddonExtProdBatchSync,       E::None),
    t(Some(tc(T::InProduction)), tc(T::Produced),     P::TempCardsAddonExtProdBatchSync,       E::None),
    t(Some(tc(T::InProduction)), tc(T::Failed),       P::TempCardsAddonExtProdBatchSync,       E::None),
    t(Some(tc(T::Produced)),     tc(T::Unassigned),   P::TempCardsAddonExtProdInitialize,      E::Issue),
    // Temporary cards: in use
    t(Some(tc(T::Unassigned)),   tc(T::Assigned),     P::TempCardsProcAssign,                  E::Validate),
    t(Some(tc(T::Assigned)),     tc(T::Unassigned),   P::TempCardsProcWithdraw,                E::Revoke),
    t(Some(tc(T::Expired)),      tc(T::Unassigned),   P::TempCardsProcWithdraw,                E::Revoke),
    t(Some(tc(T::Assigned)),     tc(T::Assigned),     P::TempCardsProcExtend,                  E::None),
    t(Some(tc(T::Assigned)),     tc(T::Locked),       P::TempCardsProcLock,                    E::Revoke),
    t(Some(tc(T::Unassigned)),   tc(T::Locked),       P::TempCardsProcLock,                    E::Revoke),
    t(Some(tc(T::Assigned)),     tc(T::Expired),      P::TempCardsBatchExpire,                 E::Hold),
    // Mobile IDs: supply creates a pending mobile ID; each EST enrollment issues a certificate
    // (`issued`), and the last one activates the mobile ID, which validates them all.
    t(None,                      m(M::Registered),    P::MobileIDProcSupplyMobileIDForUser,    E::None),
    t(Some(m(M::Registered)),    m(M::Active),        P::MobileIDProcSupplyMobileIDForUser,    E::Validate),
    t(None,                      m(M::Registered),    P::MobileIDSelfServiceProcGet,           E::None),
    t(Some(m(M::Registered)),    m(M::Active),        P::MobileIDSelfServiceProcGet,           E::Validate),
    t(Some(m(M::Registered)),    m(M::Locked),        P::MobileIDProcLockForOperator,          E::Revoke),
    t(Some(m(M::Active)),        m(M::Locked),        P::MobileIDProcLockForOperator,          E::Revoke),
    t(Some(m(M::Inactive)),      m(M::Locked),        P::MobileIDProcLockForOperator,          E::Revoke),
    t(Some(m(M::Registered)),    m(M::Locked),        P::MobileIDSelfServiceProcLock,          E::Revoke),
    t(Some(m(M::Active)),        m(M::Locked),        P::MobileIDSelfServiceProcLock,          E::Revoke),
    t(Some(m(M::Inactive)),      m(M::Locked),        P::MobileIDSelfServiceProcLock,          E::Revoke),
    t(Some(m(M::Active)),        m(M::Inactive),      P::MobileIDProcDeactivate,               E::Hold),
    t(Some(m(M::Inactive)),      m(M::Active),        P::MobileIDProcReactivate,               E::Release),
    // Batch orders
    t(None,                      b(B::Open),          P::CardsBoProcIssueMultiple,             E::None),
    t(Some(b(B::Open)),          b(B::InProduction),  P::CardsBoProcIssueMultiple,             E::None),
    t(Some(b(B::InProduction)),  b(B::InProduction),  P::CardsBoProcRepeatProduction,          E::None),
    t(Some(b(B::InProduction)),  b(B::Completed),     P::CardsBoProcCompleteOrder,             E::None),
    t(Some(b(B::Open)),          b(B::Cancelled),     P::CardsBoProcCancelOrder,               E::None),
    t(None,                      b(B::Open),          P::TempCardsBoProcIssueMultiple,         E::None),
    t(Some(b(B::Open)),          b(B::InProduction),  P::TempCardsBoProcIssueMultiple,         E::None),
    t(Some(b(B::InProduction)),  b(B::InProduction),  P::TempCardsBoProcRepeatProduction,      E::None),
    t(Some(b(B::InProduction)),  b(B::Completed),     P::TempCardsBoProcCompleteOrder,         E::None),
    t(Some(b(B::Open)),          b(B::Cancelled),     P::TempCardsBoProcCancelOrder,           E::None),
];

/// A certificate's lifecycle is driven by the effects of its credential's transitions.
pub const CERTIFICATE_TRANSITIONS: &[(Option<X>, CertEffect, X)] = &[
    (None, E::Issue, X::Issued),
    (Some(X::Issued), E::Validate, X::Valid),
    (Some(X::Valid), E::Hold, X::OnHold),
    (Some(X::OnHold), E::Release, X::Valid),
    (Some(X::Issued), E::Revoke, X::Revoked),
    (Some(X::Valid), E::Revoke, X::Revoked),
    (Some(X::OnHold), E::Revoke, X::Revoked),
    (Some(X::Valid), E::Supersede, X::Revoked),
    (Some(X::OnHold), E::Supersede, X::Revoked),
    (Some(X::Valid), E::Expire, X::Expired),
    (Some(X::OnHold), E::Expire, X::Expired),
];

/// The transitions a process may apply.
pub fn transitions_of(process: ProcessId) -> impl Iterator<Item = &'static Transition> {
    TRANSITIONS.iter().filter(move |t| t.process == process)
}

/// The transition `process` would apply to move an object from `from` to `to`, if allowed.
pub fn find(process: ProcessId, from: Option<State>, to: State) -> Option<&'static Transition> {
    transitions_of(process).find(|t| t.from == from && t.to == to)
}

/// What a certificate effect does to a certificate in `from`; `None` if it does not apply.
pub fn certificate_after(from: Option<X>, effect: CertEffect) -> Option<X> {
    CERTIFICATE_TRANSITIONS
        .iter()
        .find(|(f, e, _)| *f == from && *e == effect)
        .map(|(_, _, to)| *to)
}

/// What a user process does to the user's credentials, in the same transaction (PROCESSES.md
/// "Cascades"): (user process, credential process it runs on each credential that allows it).
pub const CASCADES: &[(ProcessId, ProcessId)] = &[
    (P::UsersProcDeactivate, P::CardsProcDeactivate),
    (P::UsersProcDeactivate, P::MobileIDProcDeactivate),
    (P::UsersProcDeactivate, P::TempCardsProcLock),
    (P::UsersProcLock, P::CardsProcLock),
    (P::UsersProcLock, P::TempCardsProcLock),
    (P::UsersProcLock, P::MobileIDProcLockForOperator),
];

/// The transition a user process cascades to a credential in `state`, if any.
pub fn cascade(user_process: ProcessId, state: State) -> Option<&'static Transition> {
    CASCADES
        .iter()
        .filter(|(u, _)| *u == user_process)
        .find_map(|(_, credential)| transitions_of(*credential).find(|t| t.from == Some(state)))
}
