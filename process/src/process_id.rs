//! Every process by its symbolic name: the stable ids of processes in code, URLs, audit records
//! and configuration, after the established card-management products. What each one is and
//! does is in the catalogue and the transition table.

use serde::{Deserialize, Serialize};

macro_rules! process_ids {
    ($($id:ident),+ $(,)?) => {
        /// A process by its symbolic name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum ProcessId { $($id),+ }

        impl ProcessId {
            pub const ALL: &'static [ProcessId] = &[$(ProcessId::$id),+];

            pub fn as_str(self) -> &'static str {
                match self { $(ProcessId::$id => stringify!($id)),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $(stringify!($id) => Some(ProcessId::$id),)+ _ => None }
            }
        }
    };
}

process_ids!(
    UsersProcCreate,
    UsersProcRegister,
    UsersProcActivate,
    UsersProcRequest,
    UsersProcApprove,
    UsersProcReject,
    UsersProcAbort,
    UsersProcDeactivate,
    UsersProcReactivate,
    UsersProcLock,
    CardsProcRequest,
    CardsProcApprove,
    CardsProcReject,
    CardsProcAbort,
    CardsProcPostpone,
    CardsProcIssue,
    CardsBoProcIssueMultiple,
    CardsBoProcRepeatProduction,
    CardsBoProcCompleteOrder,
    CardsBoProcCancelOrder,
    CardsProcActivate,
    CardsProcDeactivate,
    CardsProcReactivate,
    CardsProcLock,
    CardsAddonExtProdProcOrder,
    CardsAddonExtProdProcAbort,
    CardsAddonExtProdBatchSync,
    CardsBatchExpire,
    CardsSelfServiceProcUnblockChangePIN,
    TempCardsProcRequest,
    TempCardsBoProcIssueMultiple,
    TempCardsBoProcRepeatProduction,
    TempCardsBoProcCompleteOrder,
    TempCardsBoProcCancelOrder,
    TempCardsAddonExtProdProcOrder,
    TempCardsAddonExtProdProcAbort,
    TempCardsAddonExtProdBatchSync,
    TempCardsAddonExtProdInitialize,
    TempCardsProcAssign,
    TempCardsProcWithdraw,
    TempCardsProcExtend,
    TempCardsProcLock,
    TempCardsBatchExpire,
    MobileIDProcSupplyMobileIDForUser,
    MobileIDSelfServiceProcGet,
    MobileIDProcLockForOperator,
    MobileIDSelfServiceProcLock,
    MobileIDProcDeactivate,
    MobileIDProcReactivate,
);

impl std::fmt::Display for ProcessId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
