//! The sandbox behind the reference resource's tools: fixed sample quotes, one paper account per
//! person and the orders placed in it, stored in the database so that every instance shows the
//! same account. Nothing here reaches a real market, and every tool result says so.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::server::db::Pool;
pub use crate::server::db::sandbox_orders::OrderStatus;
use crate::server::db::sandbox_orders::{self, OrderRow, OrderSide};
use crate::server::domain::secrets::new_id;

/// The first line of every sandbox result.
pub const NOTICE: &str = "SANDBOX DATA: sample values for trying Agent Connect, not a real market or account. No real order is ever placed.";

/// Cash every paper account starts with, in cents.
const STARTING_CASH: i64 = 2_500_000;
/// The sample holdings every paper account starts with.
const STARTING_POSITIONS: [(&str, i64); 2] = [("AAPL", 10), ("SPY", 5)];
/// Largest quantity one order may ask for.
pub const MAX_QUANTITY: i64 = 10_000;
/// Open orders one account may have at once.
const MAX_OPEN_ORDERS: usize = 50;
/// Orders one account keeps, open or not; the oldest closed ones are forgotten first.
const MAX_KEPT_ORDERS: i64 = 200;

/// A fixed sample quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub symbol: &'static str,
    pub name: &'static str,
    /// Price in cents.
    pub price: i64,
}

const QUOTES: [Quote; 4] = [
    Quote {
        symbol: "AAPL",
        name: "Apple Inc.",
        price: 18_984,
    },
    Quote {
        symbol: "MSFT",
        name: "Microsoft Corporation",
        price: 41_532,
    },
    Quote {
        symbol: "NVDA",
        name: "NVIDIA Corporation",
        price: 12_188,
    },
    Quote {
        symbol: "SPY",
        name: "SPDR S&P 500 ETF Trust",
        price: 54_216,
    },
];

/// Buy or sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Buy,
    Sell,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

impl From<Side> for OrderSide {
    fn from(side: Side) -> Self {
        match side {
            Side::Buy => OrderSide::Buy,
            Side::Sell => OrderSide::Sell,
        }
    }
}

impl From<OrderSide> for Side {
    fn from(side: OrderSide) -> Self {
        match side {
            OrderSide::Buy => Side::Buy,
            OrderSide::Sell => Side::Sell,
        }
    }
}

/// A market order in a paper account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: String,
    pub symbol: &'static str,
    pub side: Side,
    pub quantity: i64,
    pub status: OrderStatus,
    pub placed_at: i64,
}

/// One holding of a paper account, valued at the sample price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub quote: Quote,
    pub quantity: i64,
}

/// A paper account as a tool shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Cents.
    pub cash: i64,
    /// Cash not held back for open buy orders, in cents.
    pub buying_power: i64,
    pub positions: Vec<Position>,
    pub open_orders: usize,
}

/// Why an order could not be placed or cancelled: a rule, in words, or the database.
#[derive(Debug)]
pub enum Refused {
    Rule(String),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Refused {
    fn from(err: sqlx::Error) -> Self {
        Refused::Database(err)
    }
}

impl From<String> for Refused {
    fn from(reason: String) -> Self {
        Refused::Rule(reason)
    }
}

/// The sample market and every person's paper orders, in the database every instance shares.
#[derive(Clone)]
pub struct Sandbox {
    db: Pool,
}

impl Sandbox {
    pub fn new(db: Pool) -> Self {
        Self { db }
    }

    /// The symbols the sandbox quotes.
    pub fn symbols() -> Vec<&'static str> {
        QUOTES.iter().map(|q| q.symbol).collect()
    }

    /// The sample quote of a symbol, case-insensitive.
    pub fn quote(symbol: &str) -> Option<Quote> {
        QUOTES
            .iter()
            .find(|q| q.symbol.eq_ignore_ascii_case(symbol.trim()))
            .copied()
    }

    /// The person's paper account: the starting cash and holdings, less what open orders
    /// hold back.
    pub async fn account(&self, user_id: &str) -> Result<Account, sqlx::Error> {
        Ok(account_of(&self.orders_of(user_id).await?))
    }

    /// The person's orders, oldest first.
    pub async fn orders_of(&self, user_id: &str) -> Result<Vec<Order>, sqlx::Error> {
        let rows = sandbox_orders::list(&self.db, user_id).await?;
        Ok(rows.into_iter().filter_map(Order::from_row).collect())
    }

    /// Accepts a market order if the account can cover it. Orders of one person are checked
    /// one after another, whichever instance takes them.
    pub async fn place(
        &self,
        user_id: &str,
        symbol: &str,
        side: Side,
        quantity: i64,
        now: i64,
    ) -> Result<Order, Refused> {
        let quote = Self::quote(symbol).ok_or_else(|| unknown_symbol(symbol))?;
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(Refused::Rule(format!(
                "The quantity must be a whole number from 1 to {MAX_QUANTITY}."
            )));
        }
        let mut tx = self.db.begin().await?;
        sandbox_orders::lock_account(&mut *tx, user_id).await?;
        let orders: Vec<Order> = sandbox_orders::list(&mut *tx, user_id)
            .await?
            .into_iter()
            .filter_map(Order::from_row)
            .collect();
        check_order(&orders, quote, side, quantity)?;
        let order = Order {
            id: new_id("ord_"),
            symbol: quote.symbol,
            side,
            quantity,
            status: OrderStatus::Open,
            placed_at: now,
        };
        sandbox_orders::insert(&mut *tx, &order.to_row(user_id)).await?;
        sandbox_orders::delete_oldest_closed(&mut *tx, user_id, MAX_KEPT_ORDERS).await?;
        tx.commit().await?;
        Ok(order)
    }

    /// Cancels one of the person's open orders.
    pub async fn cancel(&self, user_id: &str, order_id: &str) -> Result<Order, Refused> {
        let order_id = order_id.trim();
        if let Some(row) = sandbox_orders::cancel(&self.db, user_id, order_id).await? {
            return Order::from_row(row).ok_or_else(|| no_such_order(order_id).into());
        }
        match sandbox_orders::find(&self.db, user_id, order_id).await? {
            Some(row) => Err(Refused::Rule(format!(
                "Order {} is already {}.",
                row.id,
                row.status.as_str()
            ))),
            None => Err(no_such_order(order_id).into()),
        }
    }
}

impl Order {
    /// An order as stored; `None` for a symbol the sandbox no longer quotes.
    fn from_row(row: OrderRow) -> Option<Self> {
        Some(Self {
            symbol: Sandbox::quote(&row.symbol)?.symbol,
            id: row.id,
            side: row.side.into(),
            quantity: row.quantity,
            status: row.status,
            placed_at: row.placed_at,
        })
    }

    fn to_row(&self, user_id: &str) -> OrderRow {
        OrderRow {
            id: self.id.clone(),
            user_id: user_id.to_owned(),
            symbol: self.symbol.to_owned(),
            side: self.side.into(),
            quantity: self.quantity,
            status: self.status,
            placed_at: self.placed_at,
        }
    }
}

fn no_such_order(order_id: &str) -> String {
    format!("There is no order \"{order_id}\" in this account. list_orders shows them.")
}

/// The account that `orders` leave: the starting cash and holdings, less what open orders
/// hold back.
fn account_of(orders: &[Order]) -> Account {
    let open: Vec<&Order> = orders
        .iter()
        .filter(|o| o.status == OrderStatus::Open)
        .collect();
    Account {
        cash: STARTING_CASH,
        buying_power: STARTING_CASH - reserved_cash(&open),
        positions: STARTING_POSITIONS
            .iter()
            .filter_map(|&(symbol, quantity)| {
                Sandbox::quote(symbol).map(|quote| Position { quote, quantity })
            })
            .collect(),
        open_orders: open.len(),
    }
}

/// Whether an account with `orders` can take this order; the error says why not, in words.
fn check_order(orders: &[Order], quote: Quote, side: Side, quantity: i64) -> Result<(), String> {
    let open: Vec<&Order> = orders
        .iter()
        .filter(|o| o.status == OrderStatus::Open)
        .collect();
    if open.len() >= MAX_OPEN_ORDERS {
        return Err(format!(
            "This paper account already has {MAX_OPEN_ORDERS} open orders. Cancel some first."
        ));
    }
    match side {
        Side::Buy => {
            let buying_power = STARTING_CASH - reserved_cash(&open);
            let cost = quote.price * quantity;
            if cost > buying_power {
                return Err(format!(
                    "Not enough buying power: {quantity} {} at {} costs {}, and {} is available.",
                    quote.symbol,
                    dollars(quote.price),
                    dollars(cost),
                    dollars(buying_power)
                ));
            }
        }
        Side::Sell => {
            let held = STARTING_POSITIONS
                .iter()
                .find(|(s, _)| *s == quote.symbol)
                .map_or(0, |&(_, q)| q);
            let selling: i64 = open
                .iter()
                .filter(|o| o.side == Side::Sell && o.symbol == quote.symbol)
                .map(|o| o.quantity)
                .sum();
            if quantity > held - selling {
                return Err(format!(
                    "Not enough shares: the account holds {held} {} and open sell orders already cover {selling}.",
                    quote.symbol
                ));
            }
        }
    }
    Ok(())
}

fn reserved_cash(open: &[&Order]) -> i64 {
    open.iter()
        .filter(|o| o.side == Side::Buy)
        .filter_map(|o| Sandbox::quote(o.symbol).map(|q| q.price * o.quantity))
        .sum()
}

/// The refusal for a symbol the sandbox does not quote.
pub fn unknown_symbol(symbol: &str) -> String {
    format!(
        "The sandbox has no quote for \"{}\". It quotes {}.",
        symbol.trim(),
        Sandbox::symbols().join(", ")
    )
}

/// Cents as dollars, e.g. `$1,234.50`.
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_grouped() {
        assert_eq!(dollars(18_984), "$189.84");
        assert_eq!(dollars(2_500_000), "$25,000.00");
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
        assert_eq!(dollars(-5), "-$0.05");
    }

    #[test]
    fn quotes_are_fixed_and_case_insensitive() {
        assert_eq!(Sandbox::quote(" nvda").unwrap().price, 12_188);
        assert!(Sandbox::quote("XYZ").is_none());
    }

    fn order(
        id: &str,
        symbol: &'static str,
        side: Side,
        quantity: i64,
        status: OrderStatus,
    ) -> Order {
        Order {
            id: id.into(),
            symbol,
            side,
            quantity,
            status,
            placed_at: 0,
        }
    }

    #[test]
    fn open_orders_hold_back_cash_and_shares() {
        let msft = Sandbox::quote("msft").unwrap();
        let aapl = Sandbox::quote("AAPL").unwrap();
        let mut orders = vec![order("o1", "MSFT", Side::Buy, 50, OrderStatus::Open)];
        let account = account_of(&orders);
        assert_eq!(account.buying_power, STARTING_CASH - 50 * 41_532);
        assert_eq!(account.open_orders, 1);
        assert!(
            check_order(&orders, msft, Side::Buy, 20)
                .unwrap_err()
                .contains("buying power")
        );
        orders.push(order("o2", "AAPL", Side::Sell, 10, OrderStatus::Open));
        assert!(
            check_order(&orders, aapl, Side::Sell, 1)
                .unwrap_err()
                .contains("Not enough shares")
        );
        orders[0].status = OrderStatus::Cancelled;
        assert_eq!(account_of(&orders).buying_power, STARTING_CASH);
        assert!(check_order(&orders, msft, Side::Buy, 20).is_ok());
    }

    #[test]
    fn an_account_takes_at_most_its_open_orders() {
        let spy = Sandbox::quote("SPY").unwrap();
        let orders: Vec<Order> = (0..MAX_OPEN_ORDERS)
            .map(|n| order(&format!("o{n}"), "SPY", Side::Buy, 0, OrderStatus::Open))
            .collect();
        assert!(
            check_order(&orders, spy, Side::Buy, 1)
                .unwrap_err()
                .contains("open orders")
        );
    }
}
