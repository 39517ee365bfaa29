//! Who may see and change what, in the type system.
//!
//! A signed-in person is a [`Principal`]. Storage functions that read or change a unit's records
//! take a [`UnitRead`] or [`UnitWrite`] handle, and the only way to obtain one is
//! [`Principal::read_unit`] / [`Principal::write_unit`], which perform the check. A handler
//! therefore cannot touch unit B's records on behalf of an officer of unit A by forgetting a
//! check: it has no handle to pass. Administration and the audit trail work the same way with
//! [`AdminHandle`] and [`AuditorHandle`].
//!
//! Personal values (names and contacts of private persons) are for those who handle a unit's
//! records, [`Principal::handles_personal_data_of`]: the people who may change them, that is its
//! officers and its supervisors. An administrator manages accounts and the directory, reads
//! every unit's records with personal values masked, and acts for no unit: it handles personal
//! data only through another grant (a supervisor's, say). Auditors read, and see the masks.

use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages accounts and the directory; reads every unit's records with personal values
    /// masked and acts for no unit (unless another grant says so).
    Administrator,
    /// Legal affairs office staff: supervise all units or a subtree, and may act for them.
    Supervisor,
    /// Acts for their own unit only.
    Officer,
    /// Reads everything in scope, including the audit trail; changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Administrator,
        Role::Supervisor,
        Role::Officer,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Supervisor => "supervisor",
            Role::Officer => "officer",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> StoreResult<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                StoreError::invalid(
                    "role",
                    format!("未知角色 {s}(可选:administrator、supervisor、officer、auditor)"),
                    format!(
                        "unknown role {s} (one of administrator, supervisor, officer, auditor)"
                    ),
                )
            })
    }
}

/// A role held by a user, optionally limited to a unit and its descendants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub role: Role,
    /// The key of the unit whose subtree the role covers; `None` means every unit.
    pub scope: Option<String>,
}

/// A set of units: every unit, or the listed ids.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum UnitSet {
    All,
    #[default]
    None,
    Some(HashSet<i64>),
}

impl UnitSet {
    pub fn contains(&self, id: i64) -> bool {
        match self {
            UnitSet::All => true,
            UnitSet::None => false,
            UnitSet::Some(s) => s.contains(&id),
        }
    }
    fn add(&mut self, other: UnitSet) {
        *self = match (std::mem::take(self), other) {
            (UnitSet::All, _) | (_, UnitSet::All) => UnitSet::All,
            (UnitSet::None, x) | (x, UnitSet::None) => x,
            (UnitSet::Some(mut a), UnitSet::Some(b)) => {
                a.extend(b);
                UnitSet::Some(a)
            }
        }
    }
}

/// A signed-in person with their unit, roles and the units they may read and change.
#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub unit_key: String,
    pub unit_name: String,
    pub grants: Vec<RoleGrant>,
    readable: UnitSet,
    writable: UnitSet,
}

/// Permission to read one unit's records. Only [`Principal::read_unit`] makes one.
#[derive(Clone, Debug)]
pub struct UnitRead {
    unit_id: i64,
    unit_key: String,
    actor: String,
}

/// Permission to change one unit's records. Only [`Principal::write_unit`] makes one.
#[derive(Clone, Debug)]
pub struct UnitWrite {
    read: UnitRead,
}

/// Permission to administer accounts and the directory.
#[derive(Clone, Debug)]
pub struct AdminHandle {
    actor: String,
}

/// Permission to read the audit trail, limited to the units in scope.
#[derive(Clone, Debug)]
pub struct AuditorHandle {
    pub(crate) units: UnitSet,
}

impl UnitRead {
    pub fn unit_id(&self) -> i64 {
        self.unit_id
    }
    pub fn unit_key(&self) -> &str {
        &self.unit_key
    }
    pub fn actor(&self) -> &str {
        &self.actor
    }
}

impl UnitWrite {
    pub fn unit_id(&self) -> i64 {
        self.read.unit_id
    }
    pub fn unit_key(&self) -> &str {
        &self.read.unit_key
    }
    pub fn actor(&self) -> &str {
        &self.read.actor
    }
    pub fn as_read(&self) -> &UnitRead {
        &self.read
    }
}

impl AdminHandle {
    /// Administration from the command line by whoever runs the binary on the server: they
    /// already hold the database. The actor names the command for the audit trail.
    pub fn command_line(command: &str) -> Self {
        Self {
            actor: format!("cli:{command}"),
        }
    }
    pub fn actor(&self) -> &str {
        &self.actor
    }
}

impl AuditorHandle {
    pub fn command_line() -> Self {
        Self {
            units: UnitSet::All,
        }
    }
}

impl Principal {
    /// Load a user's principal: their unit, roles and the unit sets their roles cover.
    pub async fn load(db: &Db, user_id: i64) -> StoreResult<Principal> {
        let row = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.unit_id, n.key, n.name \
             FROM users u JOIN units n ON n.id = u.unit_id WHERE u.id = $1 AND u.disabled = 0",
        )
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(StoreError::NotFound {
            entity: "user",
            key: user_id.to_string(),
        })?;
        let grants_rows = sqlx::query(
            "SELECT r.role, s.key FROM user_roles r LEFT JOIN units s ON s.id = r.scope_unit_id \
             WHERE r.user_id = $1 ORDER BY r.role",
        )
        .bind(user_id)
        .fetch_all(db.pool())
        .await?;
        let mut grants = Vec::new();
        for r in &grants_rows {
            grants.push(RoleGrant {
                role: Role::parse(&r.get::<String, _>(0))?,
                scope: r.get(1),
            });
        }
        let tree = UnitTree::load(db).await?;
        let unit_id: i64 = row.get(3);
        let (mut readable, mut writable) = (UnitSet::None, UnitSet::None);
        for g in &grants {
            let scope = || match &g.scope {
                None => UnitSet::All,
                Some(key) => UnitSet::Some(tree.subtree_of_key(key)),
            };
            match g.role {
                // Reads all, changes none of a unit's records: who may change a unit's records
                // handles its personal data, and managing accounts is no reason to.
                Role::Administrator => readable.add(UnitSet::All),
                Role::Supervisor => {
                    readable.add(scope());
                    writable.add(scope());
                }
                Role::Officer => {
                    readable.add(UnitSet::Some(HashSet::from([unit_id])));
                    writable.add(UnitSet::Some(HashSet::from([unit_id])));
                }
                Role::Auditor => readable.add(scope()),
            }
        }
        Ok(Principal {
            user_id: row.get(0),
            username: row.get(1),
            display_name: row.get(2),
            unit_id,
            unit_key: row.get(4),
            unit_name: row.get(5),
            grants,
            readable,
            writable,
        })
    }

    /// The principal of a command run on the server by whoever holds the database: an officer
    /// of `unit_id`, or a supervisor or auditor of every unit. `command` names it on the trail.
    pub fn system(
        unit_id: i64,
        unit_key: &str,
        grants: Vec<RoleGrant>,
        command: &str,
    ) -> Principal {
        let (mut readable, mut writable) = (UnitSet::None, UnitSet::None);
        for g in &grants {
            match g.role {
                Role::Officer => {
                    readable.add(UnitSet::Some(HashSet::from([unit_id])));
                    writable.add(UnitSet::Some(HashSet::from([unit_id])));
                }
                Role::Auditor | Role::Administrator => readable.add(UnitSet::All),
                Role::Supervisor => {
                    readable.add(UnitSet::All);
                    writable.add(UnitSet::All);
                }
            }
        }
        Principal {
            user_id: 0,
            username: format!("cli:{command}"),
            display_name: "command line".into(),
            unit_id,
            unit_key: unit_key.to_string(),
            unit_name: String::new(),
            grants,
            readable,
            writable,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// The label written on the audit trail.
    pub fn actor(&self) -> String {
        format!("{} ({})", self.username, self.display_name)
    }

    pub fn can_read_unit(&self, unit_id: i64) -> bool {
        self.readable.contains(unit_id)
    }

    pub fn can_write_unit(&self, unit_id: i64) -> bool {
        self.writable.contains(unit_id)
    }

    /// Whether this person handles the unit's personal data (sees names and contacts rather
    /// than the 〔个人信息〕 mask): whoever may change the unit's records, its officers and
    /// supervisors. Not auditors, and not administrators by that role alone. (The case view
    /// applies the same rule through the engine's actor: responsible unit or supervisor.)
    pub fn handles_personal_data_of(&self, unit_id: i64) -> bool {
        self.writable.contains(unit_id)
    }

    /// The units this person may read.
    pub fn readable_units(&self) -> &UnitSet {
        &self.readable
    }

    pub async fn read_unit(&self, db: &Db, unit_key: &str) -> StoreResult<UnitRead> {
        let id = unit_id_by_key(db, unit_key).await?;
        if !self.readable.contains(id) {
            return Err(StoreError::Forbidden);
        }
        Ok(UnitRead {
            unit_id: id,
            unit_key: unit_key.to_string(),
            actor: self.actor(),
        })
    }

    pub async fn write_unit(&self, db: &Db, unit_key: &str) -> StoreResult<UnitWrite> {
        let id = unit_id_by_key(db, unit_key).await?;
        if !self.writable.contains(id) {
            return Err(StoreError::Forbidden);
        }
        Ok(UnitWrite {
            read: UnitRead {
                unit_id: id,
                unit_key: unit_key.to_string(),
                actor: self.actor(),
            },
        })
    }

    pub fn admin(&self) -> StoreResult<AdminHandle> {
        if self.has_role(Role::Administrator) {
            Ok(AdminHandle {
                actor: self.actor(),
            })
        } else {
            Err(StoreError::Forbidden)
        }
    }

    /// Auditors, supervisors and administrators read the trail of the units in their scope.
    pub fn auditor(&self) -> StoreResult<AuditorHandle> {
        if self.grants.iter().any(|g| g.role != Role::Officer) {
            Ok(AuditorHandle {
                units: self.readable.clone(),
            })
        } else {
            Err(StoreError::Forbidden)
        }
    }
}

async fn unit_id_by_key(db: &Db, key: &str) -> StoreResult<i64> {
    sqlx::query("SELECT id FROM units WHERE key = $1")
        .bind(key)
        .fetch_optional(db.pool())
        .await?
        .map(|r| r.get::<i64, _>(0))
        .ok_or(StoreError::NotFound {
            entity: "unit",
            key: key.to_string(),
        })
}

/// Parent links of every unit, for subtree scopes.
pub(crate) struct UnitTree {
    by_key: HashMap<String, i64>,
    children: HashMap<i64, Vec<i64>>,
}

impl UnitTree {
    pub(crate) async fn load(db: &Db) -> StoreResult<UnitTree> {
        let rows = sqlx::query("SELECT id, key, parent_id FROM units")
            .fetch_all(db.pool())
            .await?;
        let mut by_key = HashMap::new();
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in &rows {
            let id: i64 = r.get(0);
            by_key.insert(r.get::<String, _>(1), id);
            if let Some(parent) = r.get::<Option<i64>, _>(2) {
                children.entry(parent).or_default().push(id);
            }
        }
        Ok(UnitTree { by_key, children })
    }

    pub(crate) fn subtree_of_key(&self, key: &str) -> HashSet<i64> {
        let mut out = HashSet::new();
        let Some(&root) = self.by_key.get(key) else {
            return out;
        };
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            if out.insert(id) {
                stack.extend(self.children.get(&id).into_iter().flatten());
            }
        }
        out
    }
}
