//! People ("users" in the operator's words): finding and showing them (`people`, `page`),
//! creating, editing and importing them (`directory`, `edit`), the changes that wait for a second person
//! (`person_changes`), and the mailed links that let a person choose a password
//! (`invitations`). Their lifecycle processes go through [`crate::lifecycle`].

pub mod directory;
pub mod edit;
pub mod invitations;
pub mod page;
pub mod people;
pub mod person_changes;
