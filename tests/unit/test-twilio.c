/* test-twilio.c: X-Twilio-Signature rules (twilio-signature.h, SPEC 5). */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "check.h"
#include "twilio-inbound.h"
#include "twilio-signature.h"

#define TOKEN	"12345"
#define URL	"https://mycompany.com/myapp.php?foo=1&bar=2"
#define URL443	"https://mycompany.com:443/myapp.php?foo=1&bar=2"
#define SIG	"RSOYDt4T1cUTdK1PDd93/VVr8B8="
#define SIG443	"kvajT1Ptam85bY51eRf/AJRuM3w="

#define P(k, v)	{ k, sizeof k - 1, v, sizeof v - 1 }

/* The parameters of the vectors in Twilio's own libraries. */
static const struct twilio_param params[] = {
	P("CallSid", "CA1234567890ABCDE"),
	P("Caller", "+14158675309"),
	P("Digits", "1234"),
	P("From", "+14158675309"),
	P("To", "+18005551212"),
};
#define NPARAMS	(sizeof params / sizeof params[0])

/* The same, in the order a form might bring them. */
static const struct twilio_param shuffled[] = {
	P("To", "+18005551212"),
	P("From", "+14158675309"),
	P("CallSid", "CA1234567890ABCDE"),
	P("Digits", "1234"),
	P("Caller", "+14158675309"),
};

/* Independently sign the string s (base64 HMAC-SHA1 with TOKEN). */
static const char *
sign(const char *s)
{
	static char	out[TWILIO_SIGNATURE_SIZE];
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen;

	HMAC(EVP_sha1(), TOKEN, 5, (const unsigned char *)s, strlen(s), md,
	    &mdlen);
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
	return out;
}

static void
test_signature_of_twilio_vector(void)
{
	char	out[TWILIO_SIGNATURE_SIZE];

	CHECK_INT(twilio_signature_compute(TOKEN, URL, params, NPARAMS, out,
	    sizeof out), 0);
	CHECK_STR(out, SIG);
	CHECK_INT(twilio_signature_compute(TOKEN, URL443, params, NPARAMS, out,
	    sizeof out), 0);
	CHECK_STR(out, SIG443);
}

static void
test_keys_are_sorted_whatever_the_form_order(void)
{
	char	out[TWILIO_SIGNATURE_SIZE];

	CHECK_INT(twilio_signature_compute(TOKEN, URL, shuffled, NPARAMS, out,
	    sizeof out), 0);
	CHECK_STR(out, SIG);
	CHECK_INT(twilio_signature_verify(TOKEN, URL, shuffled, NPARAMS, SIG,
	    NULL), 0);
}

static void
test_keys_sort_bytewise(void)
{
	static const struct twilio_param	p[] = {
		P("a", "1"), P("_", "2"), P("B", "3"), P("ToCity", "4"),
		P("To", "5"), P("\xc3\xa9", "6"),
	};
	char					out[TWILIO_SIGNATURE_SIZE];

	/* 'B' 0x42 < 'T' < '_' 0x5f < 'a' 0x61 < 0xc3; "To" < "ToCity". */
	CHECK_INT(twilio_signature_compute(TOKEN, URL, p, 6, out, sizeof out),
	    0);
	CHECK_STR(out, sign(URL "B3To5ToCity4_2a1\xc3\xa9" "6"));
}

static void
test_repeated_key_values_are_sorted(void)
{
	static const struct twilio_param	p[] = {
		P("Sid", "CA123"), P("SidAccount", "AC123"),
		P("Digits", "5678"), P("Digits", "1234"),
	};
	static const struct twilio_param	same[] = {
		P("Digits", "5678"), P("Digits", "5678"),
	};
	char					out[TWILIO_SIGNATURE_SIZE];

	/* twilio-python's vector for a repeated key. */
	CHECK_INT(twilio_signature_compute(TOKEN, URL, p, 4, out, sizeof out),
	    0);
	CHECK_STR(out, "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
	CHECK_STR(out, sign(URL "Digits1234Digits5678SidCA123SidAccountAC123"));
	CHECK_INT(twilio_signature_verify(TOKEN, URL, p, 4,
	    "IK+Dwps556ElfBT0I3Rgjkr1wJU=", NULL), 0);
	/* Every pair counts, an identical repeat too. */
	CHECK_INT(twilio_signature_compute(TOKEN, URL, same, 2, out,
	    sizeof out), 0);
	CHECK_STR(out, sign(URL "Digits5678Digits5678"));
}

static void
test_values_are_signed_byte_exact(void)
{
	static const struct twilio_param	p[] = {
		{ "Body", 4, "a\0b", 3 },
	};
	char					out[TWILIO_SIGNATURE_SIZE];
	unsigned char				md[EVP_MAX_MD_SIZE];
	unsigned int				mdlen;
	const char				msg[] = URL "Bodya\0b";
	char					want[TWILIO_SIGNATURE_SIZE];

	HMAC(EVP_sha1(), TOKEN, 5, (const unsigned char *)msg, sizeof msg - 1,
	    md, &mdlen);
	EVP_EncodeBlock((unsigned char *)want, md, (int)mdlen);
	CHECK_INT(twilio_signature_compute(TOKEN, URL, p, 1, out, sizeof out),
	    0);
	CHECK_STR(out, want);
}

static void
test_valid_signature_verifies(void)
{
	const char	*why = "unset";

	CHECK_INT(twilio_signature_verify(TOKEN, URL, params, NPARAMS, SIG,
	    &why), 0);
	CHECK(why == NULL);
}

static void
test_signature_with_443_verifies_against_url_without_port(void)
{
	CHECK_INT(twilio_signature_verify(TOKEN, URL, params, NPARAMS, SIG443,
	    NULL), 0);
}

static void
test_signature_without_port_verifies_against_url_with_443(void)
{
	CHECK_INT(twilio_signature_verify(TOKEN, URL443, params, NPARAMS, SIG,
	    NULL), 0);
	CHECK_INT(twilio_signature_verify(TOKEN, URL443, params, NPARAMS,
	    SIG443, NULL), 0);
}

static void
test_port_80_is_added_or_removed_for_http(void)
{
	const char	*http = "http://mycompany.com/myapp.php?foo=1&bar=2";
	const char	*http80 =
	    "http://mycompany.com:80/myapp.php?foo=1&bar=2";
	char		 sig[TWILIO_SIGNATURE_SIZE];
	char		 sig80[TWILIO_SIGNATURE_SIZE];

	CHECK_INT(twilio_signature_compute(TOKEN, http, params, NPARAMS, sig,
	    sizeof sig), 0);
	CHECK_INT(twilio_signature_compute(TOKEN, http80, params, NPARAMS,
	    sig80, sizeof sig80), 0);
	/* twilio-python's vector for http with port 80. */
	CHECK_STR(sig80, "0ZXoZLH/DfblKGATFgpif+LLRf4=");
	CHECK_INT(twilio_signature_verify(TOKEN, http, params, NPARAMS, sig80,
	    NULL), 0);
	CHECK_INT(twilio_signature_verify(TOKEN, http80, params, NPARAMS, sig,
	    NULL), 0);
}

static void
test_only_the_default_port_of_the_scheme_varies(void)
{
	const char	*other =
	    "https://mycompany.com:8443/myapp.php?foo=1&bar=2";
	const char	*https80 =
	    "https://mycompany.com:80/myapp.php?foo=1&bar=2";
	const char	*http = "http://mycompany.com/myapp.php?foo=1&bar=2";

	CHECK_INT(twilio_signature_verify(TOKEN, other, params, NPARAMS, SIG,
	    NULL), -1);
	CHECK_INT(twilio_signature_verify(TOKEN, https80, params, NPARAMS, SIG,
	    NULL), -1);
	CHECK_INT(twilio_signature_verify(TOKEN, http, params, NPARAMS, SIG443,
	    NULL), -1);
}

static void
test_port_goes_after_userinfo_and_before_the_query(void)
{
	char	sig[TWILIO_SIGNATURE_SIZE];

	CHECK_INT(twilio_signature_compute(TOKEN,
	    "https://u:p@mycompany.com:443?x=1", NULL, 0, sig, sizeof sig), 0);
	CHECK_INT(twilio_signature_verify(TOKEN,
	    "https://u:p@mycompany.com?x=1", NULL, 0, sig, NULL), 0);
	CHECK_INT(twilio_signature_compute(TOKEN, "https://[2001:db8::1]/x",
	    NULL, 0, sig, sizeof sig), 0);
	CHECK_INT(twilio_signature_verify(TOKEN, "https://[2001:db8::1]:443/x",
	    NULL, 0, sig, NULL), 0);
}

static void
test_tampered_signature_is_refused(void)
{
	char		 bad[] = SIG;
	const char	*why = NULL;

	bad[5] ^= 1;
	CHECK_INT(twilio_signature_verify(TOKEN, URL, params, NPARAMS, bad,
	    &why), -1);
	CHECK_STR(why, "signature does not match");
	CHECK_INT(twilio_signature_verify(TOKEN, URL, params, NPARAMS,
	    SIG "=", NULL), -1);
	CHECK_INT(twilio_signature_verify(TOKEN, URL, params, NPARAMS,
	    "RSOYDt4T1cUTdK1PDd93/VVr8B8", NULL), -1);
	CHECK_INT(twilio_signature_verify(TOKEN, URL, params, NPARAMS,
	    "rsoydt4t1cutdk1pdd93/vvr8b8=", NULL), -1);
}

static void
test_tampered_params_or_url_are_refused(void)
{
	static const struct twilio_param	p[] = {
		P("CallSid", "CA1234567890ABCDE"),
		P("Caller", "+14158675309"),
		P("Digits", "1235"),
		P("From", "+14158675309"),
		P("To", "+18005551212"),
	};

	CHECK_INT(twilio_signature_verify(TOKEN, URL, p, 5, SIG, NULL), -1);
	CHECK_INT(twilio_signature_verify(TOKEN, URL, params, NPARAMS - 1, SIG,
	    NULL), -1);
	CHECK_INT(twilio_signature_verify(TOKEN,
	    "https://mycompany.com/myapp.php?foo=1&bar=3", params, NPARAMS, SIG,
	    NULL), -1);
}

static void
test_wrong_token_is_refused(void)
{
	CHECK_INT(twilio_signature_verify("12346", URL, params, NPARAMS, SIG,
	    NULL), -1);
}

static void
test_missing_signature_or_token_is_refused(void)
{
	const char	*why = NULL;
	char		 out[TWILIO_SIGNATURE_SIZE];

	CHECK_INT(twilio_signature_verify(TOKEN, URL, params, NPARAMS, NULL,
	    &why), -1);
	CHECK_STR(why, "no signature");
	CHECK_INT(twilio_signature_verify(TOKEN, URL, params, NPARAMS, "",
	    &why), -1);
	CHECK_INT(twilio_signature_verify("", URL, params, NPARAMS, SIG,
	    &why), -1);
	CHECK_STR(why, "no auth token configured");
	CHECK_INT(twilio_signature_verify(NULL, URL, params, NPARAMS, SIG,
	    NULL), -1);
	CHECK_INT(twilio_signature_compute("", URL, params, NPARAMS, out,
	    sizeof out), -1);
	CHECK_INT(twilio_signature_compute(TOKEN, URL, params, NPARAMS, out,
	    TWILIO_SIGNATURE_SIZE - 1), -1);
}

static void
test_json_body_is_vouched_for_by_body_sha256(void)
{
	const char	*body = "{\"property\": \"value\", \"boolean\": true}";
	const char	*url = URL "&bodySHA256="
	    "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
	char		 hash[TWILIO_SHA256_HEX_SIZE];
	char		 sig[TWILIO_SIGNATURE_SIZE];
	const char	*why = "unset";

	/* twilio-python's vectors for a JSON body. */
	CHECK_INT(twilio_signature_body_sha256(body, strlen(body), hash,
	    sizeof hash), 0);
	CHECK_STR(hash,
	    "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620");
	CHECK_INT(twilio_signature_compute(TOKEN, url, NULL, 0, sig,
	    sizeof sig), 0);
	CHECK_STR(sig, "a9nBmqA0ju/hNViExpshrM61xv4=");
	CHECK_STR(sig, sign(url));
	CHECK_INT(twilio_signature_verify_json(TOKEN, url, body, strlen(body),
	    "a9nBmqA0ju/hNViExpshrM61xv4=", &why), 0);
	CHECK(why == NULL);
}

static void
test_json_body_not_matching_body_sha256_is_refused(void)
{
	const char	*body = "{\"property\": \"value\", \"boolean\": false}";
	const char	*url = URL "&bodySHA256="
	    "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
	const char	*why = NULL;

	CHECK_INT(twilio_signature_verify_json(TOKEN, url, body, strlen(body),
	    "a9nBmqA0ju/hNViExpshrM61xv4=", &why), -1);
	CHECK_STR(why, "bodySHA256 does not match the body");
}

static void
test_json_body_without_body_sha256_is_refused(void)
{
	const char	*body = "{}";
	const char	*why = NULL;
	char		 sig[TWILIO_SIGNATURE_SIZE];

	CHECK_INT(twilio_signature_compute(TOKEN, URL, NULL, 0, sig,
	    sizeof sig), 0);
	CHECK_INT(twilio_signature_verify_json(TOKEN, URL, body, 2, sig, &why),
	    -1);
	CHECK_STR(why, "no bodySHA256 in URL");
	CHECK_INT(twilio_signature_verify_json(TOKEN,
	    "https://x.example/?xbodySHA256=44136fa355b3678a1146ad16f7e8649e94"
	    "fb4fc21fe77e8310c060f61caaff8a", body, 2, sig, &why), -1);
	CHECK_STR(why, "no bodySHA256 in URL");
}

static void
test_json_signature_covers_the_url_alone(void)
{
	const char	*body = "{}";
	char		 hash[TWILIO_SHA256_HEX_SIZE], url[200];
	char		 sig[TWILIO_SIGNATURE_SIZE];
	const char	*why = NULL;

	CHECK_INT(twilio_signature_body_sha256(body, 2, hash, sizeof hash), 0);
	snprintf(url, sizeof url, "https://replyd.example.gov.uk/webhooks/"
	    "twilio?bodySHA256=%s#frag", hash);
	CHECK_INT(twilio_signature_compute(TOKEN, url, NULL, 0, sig,
	    sizeof sig), 0);
	CHECK_INT(twilio_signature_verify_json(TOKEN, url, body, 2, sig, &why),
	    0);
	/* A tampered signature or a wrong token still fails. */
	sig[0] = sig[0] == 'A' ? 'B' : 'A';
	CHECK_INT(twilio_signature_verify_json(TOKEN, url, body, 2, sig, &why),
	    -1);
	CHECK_STR(why, "signature does not match");
	sig[0] = sig[0] == 'A' ? 'B' : 'A';
	CHECK_INT(twilio_signature_verify_json("54321", url, body, 2, sig,
	    NULL), -1);
}


#define SID	"SM0123456789abcdef0123456789abcdef"

static void
test_message_sid_must_be_sm_or_mm_and_32_hex(void)
{
	CHECK(twilio_inbound_sid_ok(SID, strlen(SID)));
	CHECK(twilio_inbound_sid_ok("MM0123456789ABCDEF0123456789abcdef", 34));
	/* The re-split of issue 11: "MessageSid=SMx&NumMedia=0". */
	CHECK(!twilio_inbound_sid_ok(SID "NumMedia0", strlen(SID) + 9));
	CHECK(!twilio_inbound_sid_ok("SM0123456789abcdef0123456789abcde", 33));
	CHECK(!twilio_inbound_sid_ok("CA0123456789abcdef0123456789abcdef", 34));
	CHECK(!twilio_inbound_sid_ok("SM0123456789abcdef0123456789abcdeg", 34));
	CHECK(!twilio_inbound_sid_ok("", 0));
}

/* Whether name is accepted, and the base named when it is not. */
static int
name_ok(const char *name, const char **base)
{
	const char	*why;

	return twilio_inbound_name_ok(name, strlen(name), &why, base);
}

static void
test_parameters_twilio_sends_are_accepted(void)
{
	static const char *const names[] = {
		"MessageSid", "SmsSid", "SmsMessageSid", "AccountSid",
		"MessagingServiceSid", "From", "To", "Body", "NumMedia",
		"NumSegments", "MediaUrl0", "MediaContentType9", "FromCity",
		"FromState", "FromZip", "FromCountry", "ToCity", "ToState",
		"ToZip", "ToCountry", "SmsStatus", "ApiVersion", "ProfileName",
		"WaId", "Forwarded", "FrequentlyForwarded", "ButtonText",
		"ButtonPayload", "Latitude", "Longitude", "Address", "Label",
		"ReferralBody", "ReferralCtwaClid", "OriginalRepliedMessageSid",
		"MessageType", "ChannelMetadata", "AddOns", "OptOutType",
		"SomeParameterTwilioAddsTomorrow"
	};
	const char	*base;
	size_t		 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!name_ok(names[i], &base))
			check_fail(__FILE__, __LINE__, "%s refused", names[i]);
}

static void
test_parameter_names_twilio_never_sends_are_refused(void)
{
	const char	*base;

	CHECK(!name_ok("MessageSidSM0123", &base));
	CHECK_STR(base, "MessageSid");
	CHECK(!name_ok("NumMedia0", &base));
	CHECK_STR(base, "NumMedia");
	CHECK(!name_ok("SmsSidSMabc", &base));
	CHECK_STR(base, "SmsSid");
	CHECK(!name_ok("BodyI am scared", &base));
	CHECK(base == NULL);
	CHECK(!name_ok("body", &base));
	CHECK(!name_ok("From+44", &base));
	CHECK(!name_ok("", &base));
}

static const struct check_test tests[] = {
	TEST(test_signature_of_twilio_vector),
	TEST(test_keys_are_sorted_whatever_the_form_order),
	TEST(test_keys_sort_bytewise),
	TEST(test_repeated_key_values_are_sorted),
	TEST(test_values_are_signed_byte_exact),
	TEST(test_valid_signature_verifies),
	TEST(test_signature_with_443_verifies_against_url_without_port),
	TEST(test_signature_without_port_verifies_against_url_with_443),
	TEST(test_port_80_is_added_or_removed_for_http),
	TEST(test_only_the_default_port_of_the_scheme_varies),
	TEST(test_port_goes_after_userinfo_and_before_the_query),
	TEST(test_tampered_signature_is_refused),
	TEST(test_tampered_params_or_url_are_refused),
	TEST(test_wrong_token_is_refused),
	TEST(test_missing_signature_or_token_is_refused),
	TEST(test_json_body_is_vouched_for_by_body_sha256),
	TEST(test_json_body_not_matching_body_sha256_is_refused),
	TEST(test_json_body_without_body_sha256_is_refused),
	TEST(test_json_signature_covers_the_url_alone),
	TEST(test_message_sid_must_be_sm_or_mm_and_32_hex),
	TEST(test_parameters_twilio_sends_are_accepted),
	TEST(test_parameter_names_twilio_never_sends_are_refused),
	{ NULL, NULL }
};

int
main(int argc, char **argv)
{
	return check_run("twilio", tests, argc, argv);
}
