/*
 * test-access.c: who may see and do what (rules/access.h, SPEC section
 * 15): teams come from the team configuration, managers manage their own
 * teams only, other teams do not exist (404), and "by" follows SPEC
 * section 9.
 */
#include "check.h"
#include "rules/access.h"

static char *a_workers[] = { "alice", "bob" };
static char *a_duty[7] = { NULL, "alice", "bob", "alice", "bob", "alice",
    NULL };
static char *b_workers[] = { "carol" };
static char *b_duty[7] = { "erin", NULL, NULL, NULL, NULL, NULL, NULL };

static const struct access_team teams[] = {
	{ "leaving-care", a_workers, 2, a_duty, "dora", NULL },
	{ "fostering", b_workers, 1, b_duty, "frank", "gina" },
};
#define NTEAMS	2
#define A	0
#define B	1

/* A person resolved over the teams above. */
static struct access_caller
person(const char *id, int admin)
{
	struct access_caller	c;

	CHECK(access_person(&c, id, admin, teams, NTEAMS) == 0);
	return c;
}

static void
test_a_person_belongs_to_teams_that_name_them_as_worker_or_on_duty(void)
{
	struct access_caller	bob = person("bob", 0), erin = person("erin", 0);

	CHECK_INT(access_member(&teams[A], "bob"), ACCESS_MEMBER);
	CHECK_INT(access_member(&teams[B], "erin"), ACCESS_MEMBER);
	CHECK(access_sees(&bob, A) && !access_sees(&bob, B));
	CHECK(access_sees(&erin, B) && !access_sees(&erin, A));
	CHECK_INT(bob.role, ROLE_WORKER);
	access_clear(&bob);
	access_clear(&erin);
}

static void
test_a_person_manages_teams_naming_them_manager_or_duty_manager(void)
{
	struct access_caller	dora = person("dora", 0);
	struct access_caller	gina = person("gina", 0);
	struct access_caller	frank = person("frank", 0);

	CHECK_INT(access_member(&teams[A], "dora"), ACCESS_MANAGES);
	CHECK_INT(dora.role, ROLE_MANAGER);
	CHECK_INT(access_manage(&dora, A), ACCESS_ALLOW);
	CHECK_INT(access_manage(&gina, B), ACCESS_ALLOW);
	CHECK_INT(access_manage(&frank, B), ACCESS_ALLOW);
	access_clear(&dora);
	access_clear(&gina);
	access_clear(&frank);
}

static void
test_another_teams_things_are_hidden_not_forbidden(void)
{
	struct access_caller	alice = person("alice", 0);
	struct access_caller	dora = person("dora", 0);

	CHECK_INT(access_see(&alice, B), ACCESS_HIDDEN);
	CHECK_INT(access_manage(&alice, B), ACCESS_HIDDEN);
	CHECK_INT(access_manage(&dora, B), ACCESS_HIDDEN);
	access_clear(&alice);
	access_clear(&dora);
}

static void
test_a_worker_cannot_manage_their_own_team(void)
{
	struct access_caller	alice = person("alice", 0);

	CHECK_INT(access_see(&alice, A), ACCESS_ALLOW);
	CHECK_INT(access_manage(&alice, A), ACCESS_FORBIDDEN);
	access_clear(&alice);
}

static void
test_an_admin_sees_and_manages_everything(void)
{
	struct access_caller	root = person("root", 1);

	CHECK_INT(root.role, ROLE_ADMIN);
	CHECK_INT(access_see(&root, B), ACCESS_ALLOW);
	CHECK_INT(access_manage(&root, A), ACCESS_ALLOW);
	CHECK_INT(access_see(&root, ACCESS_NO_TEAM), ACCESS_ALLOW);
	CHECK_INT(access_admin(&root), ACCESS_ALLOW);
	access_clear(&root);
}

static void
test_a_record_of_a_team_no_longer_configured_is_hidden_from_people(void)
{
	struct access_caller	dora = person("dora", 0);

	CHECK_INT(access_see(&dora, ACCESS_NO_TEAM), ACCESS_HIDDEN);
	access_clear(&dora);
}

static void
test_a_service_token_sees_every_team_at_its_role(void)
{
	struct access_caller	board, admin;

	access_service(&board, "duty-board", ROLE_WORKER, NTEAMS);
	access_service(&admin, "import", ROLE_ADMIN, NTEAMS);
	CHECK_INT(access_see(&board, B), ACCESS_ALLOW);
	CHECK_INT(access_manage(&board, A), ACCESS_FORBIDDEN);
	CHECK_INT(access_manage(&admin, B), ACCESS_ALLOW);
	CHECK_INT(access_admin(&board), ACCESS_FORBIDDEN);
	CHECK_INT(access_admin(&admin), ACCESS_ALLOW);
	access_clear(&board);
	access_clear(&admin);
}

static void
test_absences_are_seen_by_people_sharing_a_team(void)
{
	struct access_caller	alice = person("alice", 0);
	struct access_caller	dora = person("dora", 0);

	CHECK_INT(access_see_person(&alice, teams, NTEAMS, "bob"),
	    ACCESS_ALLOW);
	CHECK_INT(access_see_person(&alice, teams, NTEAMS, "alice"),
	    ACCESS_ALLOW);
	CHECK_INT(access_see_person(&alice, teams, NTEAMS, "carol"),
	    ACCESS_HIDDEN);
	CHECK_INT(access_manage_person(&dora, teams, NTEAMS, "bob"),
	    ACCESS_ALLOW);
	CHECK_INT(access_manage_person(&dora, teams, NTEAMS, "carol"),
	    ACCESS_HIDDEN);
	CHECK_INT(access_manage_person(&alice, teams, NTEAMS, "bob"),
	    ACCESS_FORBIDDEN);
	access_clear(&alice);
	access_clear(&dora);
}

static void
test_by_may_be_left_out_by_a_person_and_is_them(void)
{
	struct access_caller	alice = person("alice", 0);
	const char		*who;

	CHECK_INT(access_by(&alice, NULL, &who), ACCESS_BY_OK);
	CHECK_STR(who, "alice");
	CHECK_INT(access_by(&alice, "alice", &who), ACCESS_BY_OK);
	CHECK_STR(who, "alice");
	access_clear(&alice);
}

static void
test_by_naming_someone_else_is_refused_for_a_person(void)
{
	struct access_caller	alice = person("alice", 0);
	struct access_caller	root = person("root", 1);
	const char		*who;

	CHECK_INT(access_by(&alice, "dora", &who), ACCESS_BY_OTHER);
	CHECK(who == NULL);
	/* Even an admin acts only as themselves. */
	CHECK_INT(access_by(&root, "dora", &who), ACCESS_BY_OTHER);
	access_clear(&alice);
	access_clear(&root);
}

static void
test_a_service_token_must_name_by(void)
{
	struct access_caller	board;
	const char		*who;

	access_service(&board, "duty-board", ROLE_MANAGER, NTEAMS);
	CHECK_INT(access_by(&board, NULL, &who), ACCESS_BY_MISSING);
	CHECK_INT(access_by(&board, "", &who), ACCESS_BY_MISSING);
	CHECK_INT(access_by(&board, "dora", &who), ACCESS_BY_OK);
	CHECK_STR(who, "dora");
	access_clear(&board);
}

static void
test_a_manager_of_one_team_has_it_as_their_default(void)
{
	struct access_caller	dora = person("dora", 0);
	struct access_caller	alice = person("alice", 0);
	struct access_caller	root = person("root", 1);

	CHECK_INT(access_managed_team(&dora), A);
	CHECK_INT(access_managed_team(&alice), ACCESS_NO_TEAM);
	CHECK_INT(access_managed_team(&root), ACCESS_NO_TEAM);
	access_clear(&dora);
	access_clear(&alice);
	access_clear(&root);
}

int
main(int argc, char **argv)
{
	static const struct check_test tests[] = {
		TEST(test_a_person_belongs_to_teams_that_name_them_as_worker_or_on_duty),
		TEST(test_a_person_manages_teams_naming_them_manager_or_duty_manager),
		TEST(test_another_teams_things_are_hidden_not_forbidden),
		TEST(test_a_worker_cannot_manage_their_own_team),
		TEST(test_an_admin_sees_and_manages_everything),
		TEST(test_a_record_of_a_team_no_longer_configured_is_hidden_from_people),
		TEST(test_a_service_token_sees_every_team_at_its_role),
		TEST(test_absences_are_seen_by_people_sharing_a_team),
		TEST(test_by_may_be_left_out_by_a_person_and_is_them),
		TEST(test_by_naming_someone_else_is_refused_for_a_person),
		TEST(test_a_service_token_must_name_by),
		TEST(test_a_manager_of_one_team_has_it_as_their_default),
		{ NULL, NULL }
	};

	return check_run("access", tests, argc, argv);
}
