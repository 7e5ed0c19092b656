"""Control endpoints, the Python surface (config, lifecycle) and concurrency."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import requests

from datadog_seats_emulator import EmulatorConfig, FaultRule, SeatsEmulator, seed_users
from datadog_seats_emulator.control import EmulatorAdmin, EmulatorAdminError

DEFAULT_SWITCHES: dict[str, Any] = {
    "assigned_ids": "all",
    "unknown_users": "skip",
    "unknown_product": "reject",
    "known_products": ["incident_response", "on_call"],
    "over_capacity": "reject",
    "capacity": {},
    "default_capacity": None,
    "unassign_missing": "ok",
    "max_batch": 1000,
    "default_page_limit": 100,
    "max_page_limit": 100,
    "rate_limit": 10000,
    "rate_period": 60,
}
OTHER = "00000000-0000-4000-8000-0000000000aa"


# ----- state, config, users, holders ----------------------------------------------------


def test_state_shape_after_reset(admin):
    state = admin.state()
    assert set(state) == {"holders", "users", "config", "faults"}
    assert state["holders"] == {"incident_response": [], "on_call": []}
    assert state["users"] == seed_users(50)
    assert state["config"] == DEFAULT_SWITCHES
    assert state["faults"] == []


def test_state_never_shows_keys(admin):
    assert "test-api-key" not in json.dumps(admin.state())


def test_state_lists_holders_sorted(emulator_api, admin):
    ids = emulator_api.user_ids
    emulator_api.assign([ids[3], ids[1], ids[2]])
    assert admin.state()["holders"]["on_call"] == sorted([ids[1], ids[2], ids[3]])
    assert admin.holders("on_call") == sorted([ids[1], ids[2], ids[3]])


def test_in_process_state_matches_http_state(emulator, emulator_api, admin):
    emulator_api.assign(emulator_api.user_ids[:4])
    assert emulator.state.holders("on_call") == admin.holders("on_call")
    assert emulator.state.config.assigned_ids == "all"


def test_configure_returns_all_switches(admin):
    result = admin.configure(assigned_ids="new", capacity={"on_call": 3}, rate_limit=5)
    assert result == {
        **DEFAULT_SWITCHES,
        "assigned_ids": "new",
        "capacity": {"on_call": 3},
        "rate_limit": 5,
    }
    assert admin.config() == result
    assert admin.state()["config"] == result


@pytest.mark.parametrize(
    "changes",
    [
        {"assigned_ids": "some"},
        {"unknown_users": "ignore"},
        {"unknown_product": "maybe"},
        {"over_capacity": "overflow"},
        {"unassign_missing": "warn"},
        {"max_batch": 0},
        {"max_page_limit": "10"},
        {"rate_limit": True},
        {"capacity": {"on_call": -1}},
        {"capacity": [1]},
        {"default_capacity": 1.5},
        {"known_products": "on_call"},
        {"no_such_switch": 1},
        {"assigned_ids": "new", "max_batch": -5},
    ],
)
def test_invalid_config_is_refused_atomically(admin, changes):
    with pytest.raises(EmulatorAdminError) as caught:
        admin.configure(**changes)
    assert caught.value.status == 400
    assert caught.value.errors
    assert admin.config() == DEFAULT_SWITCHES


def test_keys_can_be_rotated_through_config(emulator_api, admin):
    admin.configure(api_key="rotated")
    assert emulator_api.get().status_code == 403
    response = requests.get(
        emulator_api.url,
        params={"product_code": "on_call"},
        headers={"DD-API-KEY": "rotated", "DD-APPLICATION-KEY": "test-app-key"},
        timeout=30,
    )
    assert response.status_code == 200
    assert "rotated" not in json.dumps(admin.state())
    admin.reset()
    assert emulator_api.get().status_code == 200


def test_set_users_by_count(admin):
    users = admin.set_users(3)
    assert users == seed_users(3)
    assert admin.users() == seed_users(3)


@pytest.mark.parametrize(
    "users",
    [
        [{"id": "not-a-uuid"}],
        [{"email": "x@example.com"}],
        [{"id": OTHER}, {"id": OTHER.upper()}],
        [{"id": OTHER, "name": 5}],
    ],
)
def test_invalid_users_are_refused(admin, users):
    with pytest.raises(EmulatorAdminError):
        admin.set_users(users)
    assert len(admin.users()) == 50


def test_set_users_requires_users_or_count(emulator):
    response = requests.post(emulator.url + "/_emulator/users", json={}, timeout=30)
    assert response.status_code == 400
    assert list(response.json()) == ["errors"]


def test_set_users_keeps_existing_holders(emulator_api, admin):
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:2])
    admin.set_users(1)
    assert admin.holders("on_call") == sorted(ids[:2])


def test_set_holders_out_of_band(emulator_api, admin):
    ids = emulator_api.user_ids
    result = admin.set_holders("on_call", [ids[2].upper(), ids[1], OTHER])
    assert result == sorted([ids[1], ids[2], OTHER])
    assert admin.holders("on_call") == result
    listed = {item["id"] for item in emulator_api.list_all("on_call")}
    assert listed == set(result)
    admin.set_holders("on_call", [ids[1]])
    assert admin.holders("on_call") == [ids[1]]


def test_set_holders_for_another_product_shows_in_state(admin):
    admin.set_holders("legacy_product", [OTHER])
    assert admin.state()["holders"]["legacy_product"] == [OTHER]


def test_set_holders_keeps_assigned_at_of_remaining_holders(emulator_api, admin):
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:1])
    before = emulator_api.get().json()["data"][0]["attributes"]["assigned_at"]
    admin.set_holders("on_call", ids[:2])
    item = next(i for i in emulator_api.get().json()["data"] if i["id"] == ids[0])
    assert item["attributes"]["assigned_at"] == before


def test_reset_restores_everything(emulator_api, admin):
    ids = emulator_api.user_ids
    emulator_api.assign(ids[:5])
    admin.configure(assigned_ids="new", capacity={"on_call": 1}, unknown_product="accept")
    admin.set_users(2)
    admin.add_fault(kind="status", status=500, nth=100)
    emulator_api.get()
    admin.reset()
    state = admin.state()
    assert state["holders"] == {"incident_response": [], "on_call": []}
    assert state["users"] == seed_users(50)
    assert state["config"] == DEFAULT_SWITCHES
    assert state["faults"] == []
    assert admin.requests() == []


def test_control_unknown_endpoint_and_method(emulator):
    assert requests.get(emulator.url + "/_emulator/nothing", timeout=30).status_code == 404
    response = requests.get(emulator.url + "/_emulator/reset", timeout=30)
    assert response.status_code == 405
    assert response.json() == {"errors": ["Method not allowed"]}


def test_control_malformed_json_is_400(emulator):
    response = requests.post(
        emulator.url + "/_emulator/config",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json() == {"errors": ["malformed JSON body"]}


def test_get_holders_without_product_lists_all(emulator):
    response = requests.get(emulator.url + "/_emulator/holders", timeout=30)
    assert response.status_code == 200
    assert set(response.json()["holders"]) >= {"on_call", "incident_response"}


# ----- concurrency ----------------------------------------------------------------------


def _run_threads(count: int, work) -> list[BaseException]:
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def runner(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_concurrent_assigns_from_8_threads_leave_consistent_state(emulator_api, admin):
    ids = emulator_api.user_ids
    answers: list[int] = []

    def work(index: int) -> None:
        session = requests.Session()
        session.headers.update(emulator_api.session.headers)
        batch = ids[index * 5 : index * 5 + 10]  # overlapping batches
        for _ in range(5):
            response = session.post(
                emulator_api.url, json=emulator_api.body("on_call", batch), timeout=30
            )
            answers.append(response.status_code)
            assert response.json()["data"]["attributes"]["assigned_ids"] == batch
        session.close()

    assert _run_threads(8, work) == []
    assert answers == [201] * 40
    expected = sorted(set(ids[:45]))
    assert admin.holders("on_call") == expected
    listed = [item["id"] for item in emulator_api.list_all("on_call", limit=7)]
    assert sorted(listed) == expected
    assert len(listed) == len(set(listed))
    assert len(admin.requests()) == 40 + (45 + 6) // 7


def test_concurrent_assigns_never_exceed_capacity(emulator_api, admin):
    admin.configure(capacity={"on_call": 20})
    ids = emulator_api.user_ids
    answers: list[int] = []

    def work(index: int) -> None:
        session = requests.Session()
        session.headers.update(emulator_api.session.headers)
        batch = ids[index * 5 : index * 5 + 5]  # disjoint: 8 x 5 = 40 seats wanted
        response = session.post(
            emulator_api.url, json=emulator_api.body("on_call", batch), timeout=30
        )
        answers.append(response.status_code)
        session.close()

    assert _run_threads(8, work) == []
    assert sorted(answers) == [201] * 4 + [422] * 4
    assert len(admin.holders("on_call")) == 20


def test_concurrent_assign_and_unassign_leave_consistent_state(emulator_api, admin):
    ids = emulator_api.user_ids

    def work(index: int) -> None:
        session = requests.Session()
        session.headers.update(emulator_api.session.headers)
        mine = ids[index * 6 : index * 6 + 6]
        for _ in range(3):
            body = emulator_api.body("on_call", mine)
            assert session.post(emulator_api.url, json=body, timeout=30).status_code == 201
            assert session.delete(emulator_api.url, json=body, timeout=30).status_code == 204
        keep = emulator_api.body("on_call", mine[:3])
        assert session.post(emulator_api.url, json=keep, timeout=30).status_code == 201
        session.close()

    assert _run_threads(8, work) == []
    expected = sorted(u for i in range(8) for u in ids[i * 6 : i * 6 + 3])
    assert admin.holders("on_call") == expected


# ----- Python surface -------------------------------------------------------------------


def test_context_manager_binds_a_free_port_and_stops():
    config = EmulatorConfig(api_key="k1", app_key="k2", users=seed_users(2))
    with SeatsEmulator(config) as first, SeatsEmulator(config) as second:
        url = first.url
        assert url.startswith("http://127.0.0.1:")
        assert first.port != second.port
        assert first.url == f"http://127.0.0.1:{first.port}"
        admin = EmulatorAdmin(first.url)
        assert len(admin.users()) == 2
        session = requests.Session()
        session.get(first.url + "/_emulator/state", timeout=30)
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/_emulator/state", timeout=30)
    with pytest.raises(requests.ConnectionError):
        session.get(url + "/_emulator/state", timeout=30)  # kept-alive connection closed
    with pytest.raises(RuntimeError):
        _ = first.url


def test_start_stop_are_explicit_and_stop_is_idempotent():
    emulator = SeatsEmulator(EmulatorConfig(api_key="a", app_key="b"))
    with pytest.raises(RuntimeError):
        _ = emulator.url
    emulator.start()
    try:
        with pytest.raises(RuntimeError):
            emulator.start()
        assert requests.get(emulator.url + "/_emulator/state", timeout=30).status_code == 200
    finally:
        emulator.stop()
    emulator.stop()


def test_startup_faults_and_switches_come_back_on_reset():
    config = EmulatorConfig(
        api_key="a",
        app_key="b",
        users=seed_users(3),
        assigned_ids="new",
        capacity={"on_call": 2},
        faults=[FaultRule(kind="status", status=503, nth=1)],
    )
    with SeatsEmulator(config) as emulator:
        admin = EmulatorAdmin(emulator.url)
        api = requests.Session()
        api.headers.update({"DD-API-KEY": "a", "DD-APPLICATION-KEY": "b"})
        url = emulator.url + "/api/v2/seats/users"
        params = {"product_code": "on_call"}
        assert api.get(url, params=params, timeout=30).status_code == 503
        assert api.get(url, params=params, timeout=30).status_code == 200
        admin.configure(assigned_ids="all")
        admin.reset()
        assert api.get(url, params=params, timeout=30).status_code == 503
        assert admin.config()["assigned_ids"] == "new"
        assert admin.config()["capacity"] == {"on_call": 2}


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", ""])
def test_non_loopback_hosts_are_refused(host):
    with pytest.raises(ValueError, match="loopback"):
        SeatsEmulator(EmulatorConfig(api_key="a", app_key="b"), host=host)


@pytest.mark.parametrize(
    "changes",
    [
        {"api_key": ""},
        {"assigned_ids": "some"},
        {"max_page_limit": 0},
        {"users": [{"id": "nope"}]},
        {"capacity": {"on_call": -3}},
    ],
)
def test_config_validation(changes):
    values = {"api_key": "a", "app_key": "b", **changes}
    with pytest.raises(ValueError):
        EmulatorConfig(**values)


def test_config_lowercases_user_ids():
    config = EmulatorConfig(
        api_key="a", app_key="b", users=[{"id": OTHER.upper(), "email": "", "name": ""}]
    )
    assert config.users[0]["id"] == OTHER
