"""Fresh personal accounts for the chaos suite's people: the example registry has four, and
each person who links an account here gets one nobody else touches (readings stay
increasing, nobody else's data in their way)."""

from __future__ import annotations

POOL_BASE = {"std": 3_000_000_000, "multi": 3_100_000_000, "small": 3_200_000_000}


def registry_csv(pools: dict[str, int]) -> bytes:
    """Fresh personal accounts for the drivers, one per person that links one: `std` a
    two-zone meter of 6 digits, `multi` two meters (one-zone and three-zone), `small` a
    one-zone meter of 5 digits (its top tenth is reachable: the rollover question)."""
    header = (
        "account,full_name,settlement,street,house,flat,phone,email,category,"
        "meter_serial,meter_digits,meter_zones"
    )
    rows = [header]
    for pool, count in pools.items():
        for index in range(count):
            number = POOL_BASE[pool] + index
            house = index % 90 + 1
            common = f"{number},Тестова Анна Ивановна,Выкса,ул. Ленина,{house},,,,household"
            if pool == "std":
                rows.append(f"{common},S{number},6,2")
            elif pool == "small":
                rows.append(f"{common},S{number},5,1")
            else:
                rows.append(f"{common},A{number},6,1")
                rows.append(f"{common},B{number},6,3")
    return ("\n".join(rows) + "\n").encode("utf-8")
