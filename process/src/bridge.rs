//! What the browser sees of the card bridge: readers and cards as the monitor reports them, and
//! the steps of an encoding job.

use crate::language::Words;
use serde::{Deserialize, Serialize};

/// The readers the server sees, as one snapshot the monitor republishes on every change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderSnapshot {
    /// Why there are no readers to show, in words for the operator (pcscd not running…).
    pub unavailable: Option<String>,
    pub readers: Vec<ReaderInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReaderInfo {
    pub name: String,
    pub card: Option<CardInReader>,
    /// An encoding job is using the reader.
    pub busy: bool,
}

/// A card in a reader, as far as it tells without a PIN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardInReader {
    /// Hex.
    pub atr: String,
    /// The chip's serial number, where the card tells it (YubiKey GET SERIAL).
    pub serial: Option<String>,
    /// The CHUID GUID (hex) of an encoded card.
    pub chuid_guid: Option<String>,
    /// True if the PIV application answered.
    pub piv: bool,
    /// No CHUID and no certificates: a card Issue can encode.
    pub blank: Option<bool>,
    /// What could not be read, if anything.
    pub note: Option<String>,
}

/// The steps of encoding a card, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EncodingStep {
    Connect,
    CheckCard,
    ManagementKey,
    SetPinPuk,
    GenerateKeys,
    IssueCertificates,
    WriteCard,
    ReadBack,
    Commit,
}

impl EncodingStep {
    pub const ALL: [EncodingStep; 9] = [
        EncodingStep::Connect,
        EncodingStep::CheckCard,
        EncodingStep::ManagementKey,
        EncodingStep::SetPinPuk,
        EncodingStep::GenerateKeys,
        EncodingStep::IssueCertificates,
        EncodingStep::WriteCard,
        EncodingStep::ReadBack,
        EncodingStep::Commit,
    ];

    /// What the step does, in every language.
    pub fn words(self) -> Words {
        match self {
            EncodingStep::Connect => Words::new("Connect to the card", "Anslut till kortet"),
            EncodingStep::CheckCard => Words::new(
                "Check that the card can be encoded",
                "Kontrollera att kortet kan kodas",
            ),
            EncodingStep::ManagementKey => Words::new(
                "Set a new management key",
                "Ange en ny administrationsnyckel",
            ),
            EncodingStep::GenerateKeys => Words::new(
                "Generate key pairs on the card",
                "Generera nyckelpar på kortet",
            ),
            EncodingStep::IssueCertificates => {
                Words::new("Issue the certificates", "Utfärda certifikaten")
            }
            EncodingStep::WriteCard => Words::new(
                "Write certificates, CHUID and CCC",
                "Skriv certifikat, CHUID och CCC",
            ),
            EncodingStep::SetPinPuk => Words::new("Set PIN and PUK", "Ange PIN- och PUK-kod"),
            EncodingStep::ReadBack => Words::new(
                "Read the card back and compare",
                "Läs tillbaka kortet och jämför",
            ),
            EncodingStep::Commit => Words::new(
                "Record the card as issued",
                "Registrera kortet som utfärdat",
            ),
        }
    }

    /// What the step does, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }

    pub fn as_str(self) -> &'static str {
        match self {
            EncodingStep::Connect => "connect",
            EncodingStep::CheckCard => "check_card",
            EncodingStep::ManagementKey => "management_key",
            EncodingStep::GenerateKeys => "generate_keys",
            EncodingStep::IssueCertificates => "issue_certificates",
            EncodingStep::WriteCard => "write_card",
            EncodingStep::SetPinPuk => "set_pin_puk",
            EncodingStep::ReadBack => "read_back",
            EncodingStep::Commit => "commit",
        }
    }

    pub fn parse(s: &str) -> Option<EncodingStep> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Where an encoding job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Running; the job holds a lease that it renews at every step.
    Encoding,
    Succeeded,
    Failed,
    /// The process running it stopped (crash, restart) before it finished: what the card holds
    /// is unknown until it is read back (Reconcile).
    InDoubt,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Encoding,
        JobState::Succeeded,
        JobState::Failed,
        JobState::InDoubt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Encoding => "encoding",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::InDoubt => "in_doubt",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Where the job stands, in every language.
    pub fn words(self) -> Words {
        match self {
            JobState::Encoding => Words::new("Encoding", "Kodas"),
            JobState::Succeeded => Words::new("Succeeded", "Lyckat"),
            JobState::Failed => Words::new("Failed", "Misslyckat"),
            JobState::InDoubt => Words::new("In doubt", "Oklart utfall"),
        }
    }

    /// Where the job stands, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }

    pub fn finished(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    pub step: EncodingStep,
    pub status: StepStatus,
    /// What the step did (which slots, how many APDUs) or why it failed.
    pub detail: Option<String>,
}

/// An encoding job as the operator watches it. Its `Debug` leaves the PIN out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub job_id: i64,
    pub card_id: i64,
    pub reader: String,
    pub state: JobState,
    pub steps: Vec<StepView>,
    pub error: Option<String>,
    /// The new PIN, delivered to the operator who started the job exactly once.
    pub pin: Option<String>,
    /// True once the PIN has been delivered (so the page can say it will not show again).
    pub pin_delivered: bool,
    pub started_by: String,
    pub started_at: String,
}

/// The Issue card panel on a card page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuePanel {
    /// The process the panel starts (its name is the panel's title): Issue card, Initialize
    /// temporary card.
    pub process: crate::ProcessId,
    /// In the state the process starts from (the caller may start it, or sees no panel).
    pub can_issue: bool,
    /// The card's version, which Issue card must still find.
    pub version: i64,
    /// The certificate profiles the card gets, with their slots.
    pub certificates: Vec<String>,
    pub pin_length: u8,
    pub puk_length: u8,
    /// Jobs of this card, newest first.
    pub jobs: Vec<JobView>,
}

impl std::fmt::Debug for JobView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobView")
            .field("job_id", &self.job_id)
            .field("card_id", &self.card_id)
            .field("reader", &self.reader)
            .field("state", &self.state)
            .field("error", &self.error)
            .field("pin", &self.pin.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}
