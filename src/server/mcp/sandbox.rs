//! The sandbox behind the reference resource's tools: fixed sample quotes, one paper account per
//! person and the orders placed in it, all in memory. Nothing here reaches a real market, and
//! every tool result says so.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::server::tokens::new_id;

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
const MAX_KEPT_ORDERS: usize = 200;

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

/// Where an order stands. The sandbox never executes orders, so they stay open until
/// cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Open,
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Open => "open",
            OrderStatus::Cancelled => "cancelled",
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

/// The sample market and every person's paper orders, shared by all MCP sessions of this
/// instance.
#[derive(Debug, Default)]
pub struct Sandbox {
    orders: Mutex<HashMap<String, Vec<Order>>>,
}

impl Sandbox {
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
    pub fn account(&self, user_id: &str) -> Account {
        let orders = self.orders_of(user_id);
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
                    Self::quote(symbol).map(|quote| Position { quote, quantity })
                })
                .collect(),
            open_orders: open.len(),
        }
    }

    /// The person's orders, oldest first.
    pub fn orders_of(&self, user_id: &str) -> Vec<Order> {
        self.lock().get(user_id).cloned().unwrap_or_default()
    }

    /// Accepts a market order if the account can cover it. The error says why not, in words.
    pub fn place(
        &self,
        user_id: &str,
        symbol: &str,
        side: Side,
        quantity: i64,
        now: i64,
    ) -> Result<Order, String> {
        let quote = Self::quote(symbol).ok_or_else(|| unknown_symbol(symbol))?;
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(format!(
                "The quantity must be a whole number from 1 to {MAX_QUANTITY}."
            ));
        }
        let mut all = self.lock();
        let orders = all.entry(user_id.to_owned()).or_default();
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
        let order = Order {
            id: new_id("ord_"),
            symbol: quote.symbol,
            side,
            quantity,
            status: OrderStatus::Open,
            placed_at: now,
        };
        orders.push(order.clone());
        if orders.len() > MAX_KEPT_ORDERS
            && let Some(oldest_closed) = orders.iter().position(|o| o.status != OrderStatus::Open)
        {
            orders.remove(oldest_closed);
        }
        Ok(order)
    }

    /// Cancels one of the person's open orders. The error says why not, in words.
    pub fn cancel(&self, user_id: &str, order_id: &str) -> Result<Order, String> {
        let mut all = self.lock();
        let order = all
            .get_mut(user_id)
            .and_then(|orders| orders.iter_mut().find(|o| o.id == order_id.trim()))
            .ok_or_else(|| {
                format!("There is no order \"{order_id}\" in this account. list_orders shows them.")
            })?;
        if order.status != OrderStatus::Open {
            return Err(format!(
                "Order {} is already {}.",
                order.id,
                order.status.as_str()
            ));
        }
        order.status = OrderStatus::Cancelled;
        Ok(order.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<Order>>> {
        // A panic while holding the lock cannot leave an order half-written: every change is
        // one push or one field assignment.
        self.orders.lock().unwrap_or_else(PoisonError::into_inner)
    }
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

    #[test]
    fn orders_hold_back_cash_and_shares_until_cancelled() {
        let sandbox = Sandbox::default();
        let buy = sandbox.place("u1", "msft", Side::Buy, 50, 1).unwrap();
        assert_eq!(buy.symbol, "MSFT");
        let account = sandbox.account("u1");
        assert_eq!(account.buying_power, STARTING_CASH - 50 * 41_532);
        assert_eq!(account.open_orders, 1);
        assert!(
            sandbox
                .place("u1", "MSFT", Side::Buy, 20, 2)
                .unwrap_err()
                .contains("buying power")
        );
        sandbox.place("u1", "AAPL", Side::Sell, 10, 3).unwrap();
        assert!(
            sandbox
                .place("u1", "AAPL", Side::Sell, 1, 4)
                .unwrap_err()
                .contains("Not enough shares")
        );
        sandbox.cancel("u1", &buy.id).unwrap();
        assert!(
            sandbox
                .cancel("u1", &buy.id)
                .unwrap_err()
                .contains("already cancelled")
        );
        assert_eq!(sandbox.account("u1").buying_power, STARTING_CASH);
        assert!(
            sandbox.orders_of("u2").is_empty(),
            "accounts are per person"
        );
        assert!(sandbox.cancel("u2", &buy.id).is_err());
    }

    #[test]
    fn bad_orders_are_refused_in_words() {
        let sandbox = Sandbox::default();
        assert!(
            sandbox
                .place("u", "XYZ", Side::Buy, 1, 0)
                .unwrap_err()
                .contains("AAPL, MSFT, NVDA, SPY")
        );
        assert!(sandbox.place("u", "SPY", Side::Buy, 0, 0).is_err());
        assert!(
            sandbox
                .place("u", "SPY", Side::Buy, MAX_QUANTITY + 1, 0)
                .is_err()
        );
    }
}
