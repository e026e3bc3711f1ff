//! The process model as a whole: every transition of PROCESSES.md, the shape of the graph,
//! and the option schemas.

use std::collections::{BTreeSet, HashSet};
use tessera_process::catalogue::{commands_for, CATALOGUE};
use tessera_process::transition::{certificate_after, find, CERTIFICATE_TRANSITIONS, TRANSITIONS};
use tessera_process::*;

fn card(s: CardState) -> State {
    State::Card(s)
}
fn user(s: UserState) -> State {
    State::User(s)
}
fn temp(s: TempCardState) -> State {
    State::TempCard(s)
}
fn mobile(s: MobileIdState) -> State {
    State::MobileId(s)
}

#[test]
fn every_process_has_exactly_one_catalogue_entry() {
    for id in ProcessId::ALL {
        let n = CATALOGUE.iter().filter(|d| d.id == *id).count();
        assert_eq!(n, 1, "{id} has {n} catalogue entries");
        assert_eq!(ProcessId::parse(id.as_str()), Some(*id));
    }
    assert_eq!(CATALOGUE.len(), ProcessId::ALL.len());
}

#[test]
fn every_process_has_a_transition() {
    for id in ProcessId::ALL {
        assert!(
            TRANSITIONS.iter().any(|t| t.process == *id),
            "{id} has no transition"
        );
    }
}

/// The rows of PROCESSES.md, written out independently of the table.
#[test]
fn every_transition_of_the_specification_is_allowed() {
    use CardState as C;
    use MobileIdState as M;
    use ProcessId as P;
    use TempCardState as T;
    use UserState as U;
    let spec: &[(ProcessId, Option<State>, State)] = &[
        (P::CardsProcRequest, None, card(C::Requested)),
        (P::CardsProcRequest, None, card(C::Approved)),
        (
            P::CardsProcApprove,
            Some(card(C::Requested)),
            card(C::Approved),
        ),
        (
            P::CardsProcReject,
            Some(card(C::Requested)),
            card(C::Rejected),
        ),
        (P::CardsProcIssue, Some(card(C::Approved)), card(C::Issued)),
        (P::CardsProcIssue, Some(card(C::Approved)), card(C::Failed)),
        (
            P::CardsBoProcIssueMultiple,
            Some(card(C::Approved)),
            card(C::Issued),
        ),
        (P::CardsProcActivate, Some(card(C::Issued)), card(C::Active)),
        (
            P::CardsProcActivate,
            Some(card(C::Produced)),
            card(C::Active),
        ),
        (
            P::CardsProcDeactivate,
            Some(card(C::Active)),
            card(C::Inactive),
        ),
        (
            P::CardsProcReactivate,
            Some(card(C::Inactive)),
            card(C::Active),
        ),
        (P::CardsProcLock, Some(card(C::Active)), card(C::Locked)),
        (P::CardsProcLock, Some(card(C::Inactive)), card(C::Locked)),
        (P::CardsAddonExtProdProcOrder, None, card(C::Processing)),
        (P::CardsAddonExtProdProcOrder, None, card(C::Ordered)),
        (
            P::CardsAddonExtProdProcAbort,
            Some(card(C::Processing)),
            card(C::Aborted),
        ),
        (
            P::CardsAddonExtProdBatchSync,
            Some(card(C::Processing)),
            card(C::Ordered),
        ),
        (
            P::CardsAddonExtProdBatchSync,
            Some(card(C::Ordered)),
            card(C::InProduction),
        ),
        (
            P::CardsAddonExtProdBatchSync,
            Some(card(C::InProduction)),
            card(C::Produced),
        ),
        (
            P::CardsAddonExtProdBatchSync,
            Some(card(C::InProduction)),
            card(C::Failed),
        ),
        (
            P::CardsSelfServiceProcUnblockChangePIN,
            Some(card(C::Active)),
            card(C::Active),
        ),
        (P::TempCardsProcRequest, None, temp(T::Requested)),
        (
            P::TempCardsBoProcIssueMultiple,
            Some(temp(T::Requested)),
            temp(T::Unassigned),
        ),
        (
            P::TempCardsBoProcIssueMultiple,
            Some(temp(T::Requested)),
            temp(T::Failed),
        ),
        (P::TempCardsAddonExtProdProcOrder, None, temp(T::Processing)),
        (P::TempCardsAddonExtProdProcOrder, None, temp(T::Ordered)),
        (
            P::TempCardsAddonExtProdProcAbort,
            Some(temp(T::Processing)),
            temp(T::Aborted),
        ),
        (
            P::TempCardsAddonExtProdInitialize,
            Some(temp(T::Produced)),
            temp(T::Unassigned),
        ),
        (
            P::TempCardsProcAssign,
            Some(temp(T::Unassigned)),
            temp(T::Assigned),
        ),
        (
            P::TempCardsProcWithdraw,
            Some(temp(T::Assigned)),
            temp(T::Unassigned),
        ),
        (
            P::TempCardsProcWithdraw,
            Some(temp(T::Expired)),
            temp(T::Unassigned),
        ),
        (
            P::TempCardsProcExtend,
            Some(temp(T::Assigned)),
            temp(T::Assigned),
        ),
        (
            P::TempCardsProcLock,
            Some(temp(T::Assigned)),
            temp(T::Locked),
        ),
        (
            P::TempCardsProcLock,
            Some(temp(T::Unassigned)),
            temp(T::Locked),
        ),
        (
            P::MobileIDProcSupplyMobileIDForUser,
            Some(mobile(M::Registered)),
            mobile(M::Active),
        ),
        (
            P::MobileIDProcLockForOperator,
            Some(mobile(M::Active)),
            mobile(M::Locked),
        ),
        (
            P::MobileIDProcDeactivate,
            Some(mobile(M::Active)),
            mobile(M::Inactive),
        ),
        (P::UsersProcCreate, None, user(U::Active)),
        (
            P::UsersProcDeactivate,
            Some(user(U::Active)),
            user(U::Inactive),
        ),
        (
            P::UsersProcReactivate,
            Some(user(U::Inactive)),
            user(U::Active),
        ),
        (P::UsersProcLock, Some(user(U::Active)), user(U::Locked)),
        (P::UsersProcLock, Some(user(U::Inactive)), user(U::Locked)),
    ];
    for (p, from, to) in spec {
        assert!(
            find(*p, *from, *to).is_some(),
            "{p}: {from:?} -> {to:?} is refused"
        );
    }
}

#[test]
fn forbidden_transitions_are_refused() {
    use CardState as C;
    use ProcessId as P;
    use TempCardState as T;
    let forbidden: &[(ProcessId, Option<State>, State)] = &[
        // Approval only from requested.
        (
            P::CardsProcApprove,
            Some(card(C::Rejected)),
            card(C::Approved),
        ),
        (
            P::CardsProcApprove,
            Some(card(C::Approved)),
            card(C::Approved),
        ),
        // Request card cannot produce an issued card.
        (P::CardsProcRequest, None, card(C::Issued)),
        // Final states stay final.
        (
            P::CardsProcReactivate,
            Some(card(C::Locked)),
            card(C::Active),
        ),
        (
            P::UsersProcReactivate,
            Some(user(UserState::Locked)),
            user(UserState::Active),
        ),
        // Only an aborting process aborts.
        (
            P::CardsProcLock,
            Some(card(C::Processing)),
            card(C::Aborted),
        ),
        (
            P::TempCardsProcAssign,
            Some(temp(T::Requested)),
            temp(T::Assigned),
        ),
        // Kinds do not mix.
        (
            P::CardsProcApprove,
            Some(temp(T::Requested)),
            card(C::Approved),
        ),
    ];
    for (p, from, to) in forbidden {
        assert!(
            find(*p, *from, *to).is_none(),
            "{p}: {from:?} -> {to:?} is allowed"
        );
    }
}

#[test]
fn transitions_stay_within_one_kind() {
    for t in TRANSITIONS {
        if let Some(from) = t.from {
            assert_eq!(from.kind(), t.to.kind(), "{t:?} mixes kinds");
        }
    }
}

#[test]
fn final_states_have_no_outgoing_transitions() {
    for t in TRANSITIONS {
        if let Some(from) = t.from {
            assert!(!from.is_final(), "{t:?} leaves the final state {from:?}");
        }
    }
    for (from, e, _) in CERTIFICATE_TRANSITIONS {
        assert!(
            !from.is_some_and(|f| f.is_final()),
            "certificate {e:?} leaves a final state"
        );
    }
}

#[test]
fn every_state_is_reachable_and_no_non_final_state_is_a_dead_end() {
    for kind in [
        ObjectKind::User,
        ObjectKind::Card,
        ObjectKind::TempCard,
        ObjectKind::MobileId,
        ObjectKind::BatchOrder,
    ] {
        let rows: Vec<_> = TRANSITIONS.iter().filter(|t| t.kind() == kind).collect();
        let mut reached: HashSet<State> = rows
            .iter()
            .filter(|t| t.from.is_none())
            .map(|t| t.to)
            .collect();
        loop {
            let before = reached.len();
            for t in &rows {
                if t.from.is_some_and(|f| reached.contains(&f)) {
                    reached.insert(t.to);
                }
            }
            if reached.len() == before {
                break;
            }
        }
        for s in State::all(kind) {
            assert!(reached.contains(&s), "{kind:?} state {s:?} is unreachable");
            if !s.is_final() {
                assert!(
                    rows.iter().any(|t| t.from == Some(s) && t.to != s),
                    "{kind:?} state {s:?} is a dead end but not final"
                );
            }
        }
    }
}

#[test]
fn certificate_lifecycle_is_complete() {
    let mut reached = BTreeSet::new();
    reached.insert(CertificateState::Issued);
    loop {
        let before = reached.len();
        for (from, _, to) in CERTIFICATE_TRANSITIONS {
            if from.is_some_and(|f| reached.contains(&f)) {
                reached.insert(*to);
            }
        }
        if reached.len() == before {
            break;
        }
    }
    assert_eq!(reached.len(), CertificateState::ALL.len());
    assert_eq!(
        certificate_after(Some(CertificateState::OnHold), CertEffect::Release),
        Some(CertificateState::Valid)
    );
    assert_eq!(
        certificate_after(Some(CertificateState::Revoked), CertEffect::Release),
        None
    );
}

#[test]
fn an_object_process_leaves_only_its_required_states() {
    for def in CATALOGUE {
        if let Subject::Object(kind) = def.starts_on {
            for t in def.transitions().filter(|t| t.kind() == kind) {
                if let Some(from) = t.from {
                    assert!(
                        def.required.contains(&from),
                        "{}: transition from {from:?} not in its required states",
                        def.id
                    );
                }
            }
        }
    }
}

#[test]
fn request_card_is_a_command_on_active_users_and_disabled_by_default() {
    let def = ProcessId::CardsProcRequest.def();
    assert_eq!(def.required, &[user(UserState::Active)]);
    assert!(def.command && !def.enabled_by_default);
    assert_eq!(def.mapping, Some("CardsMapUserToCard"));
    assert_eq!(
        def.end_states(),
        vec![card(CardState::Requested), card(CardState::Approved)]
    );
    let on_active: Vec<_> = commands_for(ObjectKind::User, user(UserState::Active))
        .map(|d| d.id)
        .collect();
    assert!(on_active.contains(&ProcessId::CardsProcRequest));
    let on_inactive: Vec<_> = commands_for(ObjectKind::User, user(UserState::Inactive))
        .map(|d| d.id)
        .collect();
    assert!(!on_inactive.contains(&ProcessId::CardsProcRequest));
}

#[test]
fn approvals_belong_to_approvers_only() {
    for p in [
        ProcessId::CardsProcApprove,
        ProcessId::CardsProcReject,
        ProcessId::CardsProcPostpone,
    ] {
        let def = p.def();
        assert!(def.may_start(&[Role::Approver]));
        assert!(!def.may_start(&[Role::Operator, Role::Admin, Role::SelfService]));
    }
}

#[test]
fn state_names_round_trip() {
    for kind in ObjectKind::ALL {
        for s in State::all(*kind) {
            assert_eq!(State::parse(*kind, s.as_str()), Some(s));
        }
    }
    assert_eq!(State::parse(ObjectKind::Card, "nonsense"), None);
}

#[test]
fn option_defaults_are_valid() {
    for p in OptionsPackage::ALL {
        p.validate(&p.defaults())
            .unwrap_or_else(|e| panic!("{p}: {e:?}"));
    }
    let cards = OptionsPackage::CardsScriptOptions.defaults();
    assert_eq!(cards["CardsRequestApproval"], OptionValue::Bool(true));
    let temp = OptionsPackage::TempCardsScriptOptions.defaults();
    assert_eq!(temp["TempCardsPinLength"], OptionValue::Int(6));
    assert_eq!(temp["TempCardsPukLength"], OptionValue::Int(8));
}

#[test]
fn out_of_range_and_wrongly_typed_values_are_refused() {
    let p = OptionsPackage::TempCardsScriptOptions;
    let current = p.defaults();
    let err = p
        .apply_form(&current, &[("TempCardsPinLength".into(), "3".into())])
        .unwrap_err();
    assert!(err[0].to_string().contains("out of range"), "{}", err[0]);
    let err = p
        .apply_form(&current, &[("TempCardsPinLength".into(), "abc".into())])
        .unwrap_err();
    assert!(
        err[0].to_string().contains("not a whole number"),
        "{}",
        err[0]
    );
    let err = p
        .apply_form(
            &current,
            &[(
                "TempCardsCertificates".into(),
                "authentication, telepathy".into(),
            )],
        )
        .unwrap_err();
    assert!(err[0].to_string().contains("telepathy"));
    let err = p
        .apply_form(&current, &[("NoSuchOption".into(), "1".into())])
        .unwrap_err();
    assert!(matches!(err[0], OptionError::UnknownKey { .. }));
    // A stored value of the wrong type is refused too.
    let mut bad = current.clone();
    bad.insert("TempCardsEncodeCard".into(), OptionValue::Int(1));
    assert!(p.validate(&bad).is_err());
}

#[test]
fn a_refused_value_names_its_option_in_the_admins_language() {
    let p = OptionsPackage::TempCardsScriptOptions;
    let current = p.defaults();
    let change = [("TempCardsPinLength".to_string(), "3".to_string())];
    let label = |language| match &p.apply_form_in(&current, &change, language).unwrap_err()[0] {
        OptionError::Invalid { key, label, .. } => {
            assert_eq!(key, "TempCardsPinLength");
            label.clone()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(label(Language::English), "PIN length");
    assert_eq!(label(Language::Swedish), "PIN-kodens längd");
    // The English path is the one engine callers keep.
    let err = p.apply_form(&current, &change).unwrap_err();
    assert!(err[0].to_string().starts_with("PIN length: "), "{}", err[0]);
    // And the whole sentence follows the reader's language, whichever language checked it.
    let swedish = err[0].message(Language::Swedish);
    assert!(
        swedish.starts_with("PIN-kodens längd: 3 är utanför"),
        "{swedish}"
    );
    assert_eq!(err[0].message(Language::English), err[0].to_string());
    let unknown = p
        .apply_form(&current, &[("NoSuchOption".into(), "1".into())])
        .unwrap_err();
    assert!(unknown[0]
        .message(Language::Swedish)
        .contains("har inget alternativ"));
}

#[test]
fn one_bad_change_rejects_the_whole_form() {
    let p = OptionsPackage::CardsScriptOptions;
    let current = p.defaults();
    let result = p.apply_form(
        &current,
        &[
            ("CardsRequestApproval".into(), "no".into()),
            ("CardsExtProdProductionType".into(), "hand_made".into()),
        ],
    );
    assert_eq!(result.unwrap_err().len(), 1);
    let ok = p
        .apply_form(&current, &[("CardsRequestApproval".into(), "no".into())])
        .unwrap();
    assert_eq!(ok["CardsRequestApproval"], OptionValue::Bool(false));
    assert_eq!(current["CardsRequestApproval"], OptionValue::Bool(true));
}

mod certificate_profiles {
    use tessera_process::profile::{
        CertPurpose, CertificateProfile, ExtendedKeyUsage, KeyUsageBit, RevocationReason,
    };

    fn by_purpose(p: CertPurpose) -> CertificateProfile {
        CertificateProfile::defaults()
            .into_iter()
            .find(|x| x.purpose == p)
            .unwrap()
    }

    #[test]
    fn the_shipped_profiles_are_valid_and_only_encryption_escrows() {
        let all = CertificateProfile::defaults();
        assert_eq!(all.len(), 3);
        for p in &all {
            assert!(p.validate().is_empty(), "{}: {:?}", p.name, p.validate());
            assert_eq!(p.recoverable, p.purpose == CertPurpose::Encryption);
        }
    }

    #[test]
    fn each_rule_names_its_field() {
        let fields = |p: &CertificateProfile| -> Vec<&'static str> {
            p.validate().iter().map(|e| e.field).collect()
        };
        let mut p = by_purpose(CertPurpose::Authentication);
        p.name = "  ".into();
        p.validity_days = 0;
        p.key_usage = vec![];
        p.recoverable = true;
        p.include_upn = false;
        let f = fields(&p);
        for field in [
            "name",
            "validity_days",
            "key_usage",
            "recoverable",
            "include_upn",
        ] {
            assert!(f.contains(&field), "{field} missing from {f:?}");
        }
        let mut p = by_purpose(CertPurpose::Signature);
        p.validity_days = 3651;
        p.key_usage = vec![KeyUsageBit::KeyAgreement, KeyUsageBit::KeyAgreement];
        p.extended_key_usage = vec![ExtendedKeyUsage::ClientAuth, ExtendedKeyUsage::ClientAuth];
        let f = fields(&p);
        assert_eq!(
            f,
            vec![
                "validity_days",
                "key_usage",
                "extended_key_usage",
                "key_usage"
            ]
        );
        let mut p = by_purpose(CertPurpose::Encryption);
        p.key_usage = vec![KeyUsageBit::DigitalSignature];
        // Not an encryption usage, and a recoverable key must not sign.
        assert_eq!(fields(&p), vec!["key_usage", "recoverable"]);
        p.key_usage = vec![KeyUsageBit::KeyAgreement];
        p.extended_key_usage.push(ExtendedKeyUsage::ClientAuth);
        assert_eq!(fields(&p), vec!["recoverable"]);
        p.recoverable = false;
        assert!(fields(&p).is_empty());
        p.name = "x".repeat(65);
        assert!(fields(&p).contains(&"name"));
    }

    #[test]
    fn key_usages_fit_the_key_type() {
        let enc = by_purpose(CertPurpose::Encryption);
        assert_eq!(enc.key_usage_for(false), vec![KeyUsageBit::KeyAgreement]);
        assert_eq!(enc.key_usage_for(true), vec![KeyUsageBit::KeyEncipherment]);
        let sign = by_purpose(CertPurpose::Signature);
        assert_eq!(sign.key_usage_for(true), sign.key_usage);
    }

    #[test]
    fn revocation_reasons_carry_rfc5280_codes() {
        let codes: Vec<u8> = RevocationReason::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes, vec![0, 1, 3, 4, 5, 6, 9]);
        for r in RevocationReason::ALL {
            assert_eq!(RevocationReason::parse(r.as_str()), Some(*r));
        }
    }
}

/// The per-state flags agree with the transition table: a transition that makes a credential's
/// certificates valid ends in a live state, one that holds, revokes or supersedes them leaves it.
/// (A user holds no certificates of its own: its effect is what the cascade does.)
#[test]
fn live_states_follow_the_certificate_effects() {
    use tessera_process::CertEffect;
    for t in TRANSITIONS.iter().filter(|t| t.kind() != ObjectKind::User) {
        match t.effect {
            CertEffect::Validate | CertEffect::Release => {
                assert!(
                    t.to.is_live(),
                    "{:?} makes certificates valid in {:?}",
                    t.process,
                    t.to
                )
            }
            CertEffect::Hold | CertEffect::Revoke | CertEffect::Supersede | CertEffect::Expire => {
                assert!(
                    !t.to.is_live(),
                    "{:?} ends certificates but {:?} is live",
                    t.process,
                    t.to
                )
            }
            CertEffect::None | CertEffect::Issue => {
                if let Some(from) = t.from {
                    assert_eq!(
                        from.is_live(),
                        t.to.is_live(),
                        "{:?} changes no certificate",
                        t.process
                    );
                }
            }
        }
    }
    // A chip is released only where it is out of use for good, or never was in use.
    for s in [
        card(CardState::Failed),
        card(CardState::Locked),
        temp(TempCardState::Locked),
    ] {
        assert!(s.is_chip_released() && !s.is_live());
    }
    assert!(!card(CardState::Active).is_chip_released());
    assert!(!temp(TempCardState::Assigned).is_chip_released());
}
