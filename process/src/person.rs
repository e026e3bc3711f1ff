//! A person's data as an operator enters it or a CSV file brings it, and the rules it must
//! meet. Shared by the browser (to point at a wrong field at once) and the server (which decides).

use crate::language::Said;
use crate::said;
use serde::{Deserialize, Serialize};

pub const MAX_NAME: usize = 100;
pub const MAX_EMPLOYEE_ID: usize = 32;
pub const MAX_ADDRESS: usize = 254;
/// An import is a file an operator uploads through the browser; anything larger is a mistake.
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;
pub const MAX_IMPORT_LINES: usize = 20_000;

/// The columns of an import file, in the order of the header line.
pub const CSV_COLUMNS: &[&str] = &[
    "employee_id",
    "given_name",
    "surname",
    "email",
    "upn",
    "department",
];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonInput {
    pub employee_id: String,
    pub given_name: String,
    pub surname: String,
    pub email: String,
    pub upn: String,
    pub department: String,
}

/// A rule a field breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Control characters, and the invisible format characters (bidirectional overrides, zero-width
/// spaces) that would let one name pass for another in a certificate.
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn address_ok(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && s.chars().all(|c| c.is_ascii_graphic())
}

impl PersonInput {
    /// Surrounding spaces removed, as every form and file should be read.
    pub fn trimmed(&self) -> PersonInput {
        PersonInput {
            employee_id: self.employee_id.trim().into(),
            given_name: self.given_name.trim().into(),
            surname: self.surname.trim().into(),
            email: self.email.trim().into(),
            upn: self.upn.trim().into(),
            department: self.department.trim().into(),
        }
    }

    /// Built from named fields (a form, a CSV line); `get` returns "" for a missing one.
    pub fn from_fields(get: impl Fn(&str) -> String) -> PersonInput {
        PersonInput {
            employee_id: get("employee_id"),
            given_name: get("given_name"),
            surname: get("surname"),
            email: get("email"),
            upn: get("upn"),
            department: get("department"),
        }
    }

    /// "Given Surname", the common name that goes into certificates.
    pub fn common_name(&self) -> String {
        format!("{} {}", self.given_name.trim(), self.surname.trim())
    }

    /// Every rule the data breaks, in English; empty if none.
    pub fn validate(&self) -> Vec<FieldError> {
        self.problems()
            .into_iter()
            .map(|(field, message)| FieldError {
                field,
                message: message.en,
            })
            .collect()
    }

    /// Every rule the data breaks, by field, in every language; empty if none.
    pub fn problems(&self) -> Vec<(&'static str, Said)> {
        let p = self.trimmed();
        let mut errors = Vec::new();
        let mut err = |field: &'static str, message: Said| errors.push((field, message));
        if p.employee_id.is_empty() {
            err(
                "employee_id",
                said!("The employee id is required.", "Anställnings-id krävs."),
            );
        } else if p.employee_id.chars().count() > MAX_EMPLOYEE_ID
            || !p
                .employee_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            err(
                "employee_id",
                said!(
                    "The employee id \"{id}\" may only have letters, digits, - and _ (at most {MAX_EMPLOYEE_ID}).",
                    "Anställnings-id ”{id}” får bara innehålla bokstäver, siffror, - och _ (högst {MAX_EMPLOYEE_ID} tecken).",
                    id = &p.employee_id
                ),
            );
        }
        // The field's name in English, and in Swedish as the subject of a sentence.
        for (field, en, sv, value) in [
            ("given_name", "given name", "Förnamnet", &p.given_name),
            ("surname", "surname", "Efternamnet", &p.surname),
        ] {
            if value.is_empty() {
                err(field, said!("The {en} is required.", "{sv} krävs."));
            } else if value.chars().count() > MAX_NAME || value.chars().any(hidden) {
                err(
                    field,
                    said!(
                        "The {en} is too long or has control or invisible characters (at most {MAX_NAME}).",
                        "{sv} är för långt eller innehåller styrtecken eller osynliga tecken (högst {MAX_NAME} tecken)."
                    ),
                );
            }
        }
        for (field, en, sv, none, value) in [
            (
                "email",
                "e-mail address",
                "E-postadressen",
                "ingen giltig e-postadress",
                &p.email,
            ),
            ("upn", "UPN", "UPN", "inget giltigt UPN", &p.upn),
        ] {
            if value.is_empty() {
                err(field, said!("The {en} is required.", "{sv} krävs."));
            } else if value.len() > MAX_ADDRESS || !address_ok(value) {
                err(
                    field,
                    said!(
                        "\"{value}\" is not a valid {en}: it looks like name@example.com.",
                        "”{value}” är {none}: formen är namn@example.com."
                    ),
                );
            }
        }
        if p.department.chars().count() > MAX_NAME || p.department.chars().any(hidden) {
            err(
                "department",
                said!(
                    "The department is too long or has control or invisible characters (at most {MAX_NAME}).",
                    "Avdelningen är för lång eller innehåller styrtecken eller osynliga tecken (högst {MAX_NAME} tecken)."
                ),
            );
        }
        errors
    }
}

/// One data line of an import file: its line number and the person, or why it cannot be read.
pub type CsvLine = (usize, Result<PersonInput, Vec<String>>);

/// Reads an import file: a header line naming the columns (any order, `department` optional),
/// then one person per line. Fields may be quoted as in RFC 4180 ("" is a quote), but a field
/// may not span lines. A file that cannot be read at all is an
/// error; a line that cannot be read is reported with its number.
pub fn parse_csv(text: &str) -> Result<Vec<CsvLine>, Said> {
    if text.len() > MAX_IMPORT_BYTES {
        return Err(said!(
            "The file is {n} bytes; at most {MAX_IMPORT_BYTES} can be imported at once.",
            "Filen är {n} byte; högst {MAX_IMPORT_BYTES} kan importeras åt gången.",
            n = text.len()
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(said!(
            "The file is empty: it needs a header line and one line per person.",
            "Filen är tom: den behöver en rubrikrad och en rad per person."
        ));
    };
    let header: Vec<String> = split(header)
        .map_err(|e| {
            said!(
                "Line 1 (the header): {en}",
                "Rad 1 (rubrikraden): {sv}",
                en = e.en,
                sv = e.sv
            )
        })?
        .into_iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for required in &CSV_COLUMNS[..5] {
        if !header.iter().any(|h| h == required) {
            return Err(said!(
                "The header has no column \"{required}\". It needs: {columns}.",
                "Rubrikraden saknar kolumnen ”{required}”. Den behöver: {columns}.",
                columns = CSV_COLUMNS.join(", ")
            ));
        }
    }
    if let Some((_, twice)) = header
        .iter()
        .enumerate()
        .find(|(i, h)| header[..*i].contains(h))
    {
        return Err(said!(
            "The header names the column \"{twice}\" twice.",
            "Rubrikraden anger kolumnen ”{twice}” två gånger."
        ));
    }
    if let Some(unknown) = header.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
        return Err(said!(
            "The header has an unknown column \"{unknown}\". Known are: {columns}.",
            "Rubrikraden har en okänd kolumn ”{unknown}”. Kända kolumner är: {columns}.",
            columns = CSV_COLUMNS.join(", ")
        ));
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        if out.len() >= MAX_IMPORT_LINES {
            return Err(said!(
                "The file has more than {MAX_IMPORT_LINES} people; split it.",
                "Filen har fler än {MAX_IMPORT_LINES} personer; dela upp den."
            ));
        }
        let number = i + 1;
        // A line's problems are shown in the import preview, in English.
        let parsed = split(line).map_err(|e| vec![e.en]).and_then(|fields| {
            if fields.len() != header.len() {
                return Err(vec![format!(
                    "it has {} fields, the header {}",
                    fields.len(),
                    header.len()
                )]);
            }
            let get = |name: &str| {
                header
                    .iter()
                    .position(|h| h == name)
                    .map(|i| fields[i].clone())
                    .unwrap_or_default()
            };
            let person = PersonInput::from_fields(get).trimmed();
            let errors = person.validate();
            if errors.is_empty() {
                Ok(person)
            } else {
                Err(errors.into_iter().map(|e| e.message).collect())
            }
        });
        out.push((number, parsed));
    }
    Ok(out)
}

/// One CSV line into fields: commas separate, double quotes enclose, "" is a quote.
pub fn split(line: &str) -> Result<Vec<String>, Said> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => {
                quoted = false;
                // After the closing quote only a comma (or the end) may follow.
                if !matches!(chars.peek(), None | Some(',')) {
                    return Err(said!(
                        "text after a closing quote",
                        "text efter ett avslutande citattecken"
                    ));
                }
            }
            (true, c) => field.push(c),
            (false, '"') if field.trim().is_empty() && !was_quoted => {
                field.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, '"') => {
                return Err(said!(
                    "a quote in the middle of a field",
                    "ett citattecken mitt i ett fält"
                ))
            }
            (false, ',') => {
                fields.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(said!(
            "a quoted field is not closed",
            "ett fält inom citattecken avslutas inte"
        ));
    }
    fields.push(field);
    Ok(fields)
}
