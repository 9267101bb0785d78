//! `sandbox_orders`: the paper orders of the reference resource's sandbox, per person.

use sqlx::{Executor, FromRow};

use super::Db;
use super::columns::text_enum;

text_enum! {
    /// Buy or sell; stored by its name.
    pub enum OrderSide {
        Buy = "buy",
        Sell = "sell",
    }
}

text_enum! {
    /// Where an order stands. The sandbox never executes orders, so they stay open until
    /// cancelled.
    pub enum OrderStatus {
        Open = "open",
        Cancelled = "cancelled",
    }
}

/// A paper order as stored.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct OrderRow {
    pub id: String,
    pub user_id: String,
    pub symbol: String,
    pub side: OrderSide,
    pub quantity: i64,
    pub status: OrderStatus,
    pub placed_at: i64,
}

const COLUMNS: &str = "id, user_id, symbol, side, quantity, status, placed_at";

/// Takes the person's write lock for the rest of the transaction, so that orders placed at
/// the same moment (on any instance) are checked one after another against the same account.
pub async fn lock_account<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET id = id WHERE id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The person's orders, oldest first.
pub async fn list<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
) -> Result<Vec<OrderRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sandbox_orders WHERE user_id = $1 ORDER BY placed_at, id"
    ))
    .bind(user_id)
    .fetch_all(db)
    .await
}

pub async fn insert<'e>(
    db: impl Executor<'e, Database = Db>,
    order: &OrderRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(&format!(
        "INSERT INTO sandbox_orders ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(&order.id)
    .bind(&order.user_id)
    .bind(&order.symbol)
    .bind(order.side)
    .bind(order.quantity)
    .bind(order.status)
    .bind(order.placed_at)
    .execute(db)
    .await?;
    Ok(())
}

/// Cancels the person's open order, in one statement; `None` if there is no such open order.
pub async fn cancel<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
    order_id: &str,
) -> Result<Option<OrderRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "UPDATE sandbox_orders SET status = 'cancelled' \
         WHERE id = $1 AND user_id = $2 AND status = 'open' RETURNING {COLUMNS}"
    ))
    .bind(order_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// One of the person's orders, in any state.
pub async fn find<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
    order_id: &str,
) -> Result<Option<OrderRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sandbox_orders WHERE id = $1 AND user_id = $2"
    ))
    .bind(order_id)
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Deletes the person's oldest closed orders beyond the newest `keep` orders.
pub async fn delete_oldest_closed<'e>(
    db: impl Executor<'e, Database = Db>,
    user_id: &str,
    keep: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM sandbox_orders WHERE user_id = $1 AND status <> 'open' AND id NOT IN \
         (SELECT id FROM sandbox_orders WHERE user_id = $1 ORDER BY placed_at DESC, id DESC LIMIT $2)",
    )
    .bind(user_id)
    .bind(keep)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
