import pytest

from fer_utils.recipes import FIXTURE_RECIPES, RECIPES, Recipe, choose_recipe, make_optimizer


def test_report_recipes():
    assert RECIPES["shallow"].learning_rate == 1e-4
    assert RECIPES["deep"].learning_rate == 1e-3
    assert RECIPES["se"].decay
    assert RECIPES["improved_se"].epochs == 80
    assert RECIPES["improved_se"].patience == 5
    assert {r.batch_size for r in RECIPES.values()} == {32}


def test_fixture_improved_se_never_stops_early():
    recipe = FIXTURE_RECIPES["improved_se"]
    assert recipe.patience is not None
    assert recipe.patience >= recipe.epochs


def test_auto_preset_follows_data():
    assert choose_recipe("improved_se", "auto", on_fixture=True) == FIXTURE_RECIPES["improved_se"]
    assert choose_recipe("improved_se", "auto", on_fixture=False) == RECIPES["improved_se"]


def test_explicit_values_override_preset():
    recipe = choose_recipe("deep", "report", on_fixture=True, epochs=3, batch_size=None)
    assert recipe.epochs == 3
    assert recipe.batch_size == 32


def test_unknown_preset_and_model():
    with pytest.raises(ValueError, match="preset must be one of auto, report, fixture, got 'quick'"):
        choose_recipe("deep", "quick", on_fixture=True)
    with pytest.raises(ValueError, match="model_name must be one of shallow, deep, se, improved_se"):
        choose_recipe("vgg", "auto", on_fixture=True)


def test_decay_schedule_is_staircase():
    schedule = make_optimizer(RECIPES["improved_se"])._learning_rate
    assert float(schedule(99_999)) == pytest.approx(1e-4)
    assert float(schedule(100_000)) == pytest.approx(0.96e-4)


@pytest.mark.parametrize("fields, message", [
    ({"learning_rate": 0, "epochs": 1}, "learning_rate must be a number > 0, got 0"),
    ({"learning_rate": 1e-3, "epochs": 0}, "epochs must be a positive integer"),
    ({"learning_rate": 1e-3, "epochs": 1, "batch_size": -8}, "batch_size must be a positive integer"),
    ({"learning_rate": 1e-3, "epochs": 1, "patience": 0}, "patience must be a positive integer"),
])
def test_invalid_recipe_is_rejected(fields, message):
    with pytest.raises(ValueError, match=message):
        Recipe(**fields)
