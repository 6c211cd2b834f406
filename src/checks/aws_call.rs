//! An AWS call that did not answer, in words: the evidence a check shows for it, and the one remedy
//! that both a check and the problem said once at the top of the report give.

use super::outcome::Outcome;
use super::text::quote;
use crate::facts::CallFailure;

/// The error that stands in for a check whose AWS call did not answer, never a pass. `role_arn` is the
/// role the account was read as, when one was assumed.
pub fn outcome(failure: &CallFailure, role_arn: Option<&str>) -> Outcome {
    let code = failure.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
    let evidence = if failure.out_of_time {
        format!("{} got no answer in time: {}", failure.action, quote(&failure.message))
    } else if failure.refuses_credentials() || failure.access_denied {
        format!("{} was refused{code}: {}", failure.action, quote(&failure.message))
    } else {
        format!("{} failed{code}: {}", failure.action, quote(&failure.message))
    };
    Outcome::error(evidence, remedy(failure, role_arn))
}

/// What to do about an AWS call that did not answer, by the kind of failure.
pub fn remedy(failure: &CallFailure, role_arn: Option<&str>) -> String {
    let assuming = failure.action == "sts:AssumeRole";
    if failure.out_of_time {
        "Check that this host reaches AWS (an HTTPS proxy, VPC endpoints, AWS_ENDPOINT_URL), or allow more \
         time with --aws-timeout and --timeout."
            .to_string()
    } else if assuming && failure.access_denied {
        "Check that the role exists, that its trust policy names the identity running xks-preflight, and that \
         this identity may call sts:AssumeRole on it."
            .to_string()
    } else if assuming {
        "Check the credentials the roles are assumed with (--profile, AWS_ACCESS_KEY_ID, an attached role) and \
         any AWS_ENDPOINT_URL setting, then run it again."
            .to_string()
    } else if failure.refuses_credentials() {
        "Refresh or correct the credentials (aws sso login, aws configure, new temporary credentials), then run \
         it again."
            .to_string()
    } else if failure.access_denied {
        let identity =
            role_arn.map(|arn| format!("the role {arn}")).unwrap_or("the identity running xks-preflight".into());
        format!("Allow {} to {identity} (docs/iam-policy.json), then run it again.", failure.action)
    } else {
        "Check the credentials (--profile, AWS_ACCESS_KEY_ID, an attached role), the Region and any \
         AWS_ENDPOINT_URL setting, then run it again."
            .to_string()
    }
}
