using System.Globalization;
using Rampart.Core.Policy;

namespace Rampart.Credentials.Certificates;

/// <summary>
/// Refuses to assign (or to change the rules of the assigned policy into) a policy whose certificate methods cannot
/// work here: a <c>cert:CA-NAME</c> run whose CAs are not all in the trusted root store, or from whose CAs this
/// computer holds no usable certificate with its private key (the walkthrough's "Computer certificates must have a
/// private key"). Pure: the caller gives the store's contents and the time.
/// </summary>
public static class CertificateAssignmentCheck
{
    /// <summary>The walkthrough's words for a certificate IKE can use.</summary>
    public const string PrivateKeyMessage = "You have a private key that corresponds to this certificate";

    /// <summary>
    /// Whether <paramref name="after"/> assigns a policy, or changes the assigned one, with certificate methods to
    /// check: only rules whose certificate CAs are new to the assigned policy are, so an unrelated edit is never
    /// refused for a certificate deleted since.
    /// </summary>
    public static IReadOnlyList<(string Rule, IReadOnlyList<string> CaNames)> RulesToCheck(PolicySnapshot before, PolicySnapshot after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (after.AssignedPolicy is not { } assigned)
        {
            return [];
        }

        var previous = before.AssignedPolicy is { } old && old.Name == assigned.Name ? old : null;
        if (previous == assigned)
        {
            return [];
        }

        var known = previous is null ? [] : Runs(previous).Select(r => Key(r.CaNames)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. Runs(assigned).Where(r => !known.Contains(Key(r.CaNames)))];
    }

    /// <summary>The errors (none when every run is usable) for the rules <see cref="RulesToCheck"/> named.</summary>
    public static IReadOnlyList<string> Check(
        string policyName,
        IReadOnlyList<(string Rule, IReadOnlyList<string> CaNames)> runs,
        IReadOnlyList<PersonalCertificate> personal,
        IReadOnlyList<TrustedAuthority> trusted,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(personal);
        ArgumentNullException.ThrowIfNull(trusted);
        var errors = new List<string>();
        foreach (var (rule, caNames) in runs)
        {
            var untrusted = caNames.Where(n => !trusted.Any(a => a.Name.Equals(n, StringComparison.OrdinalIgnoreCase))).ToList();
            foreach (var name in untrusted)
            {
                errors.Add($"cannot use policy '{policyName}': {rule} names the CA '{name}' (cert:{name}), which is not in the trusted root store; "
                    + $"trust its certificate first with 'rampart cert trust FILE --name \"{name}\"' ('rampart cert trusted' lists the trusted CAs)");
            }

            if (untrusted.Count > 0)
            {
                continue;
            }

            if (CertificateChooser.Usable(personal, trusted, caNames, now).Count == 0)
            {
                errors.Add($"cannot use policy '{policyName}': {rule} authenticates with certificates from {Names(caNames)}, but {WhyNone(personal, trusted, caNames, now)}. "
                    + $"Computer certificates must have a private key: 'rampart cert list' must say \"{PrivateKeyMessage}\" for a certificate issued by {Names(caNames)}; "
                    + "import one with its key ('rampart cert import FILE.p12 --password-file FILE' or 'rampart cert import FILE --key KEYFILE')");
            }
        }

        return errors;
    }

    /// <summary>Each rule's run of certificate methods (the default response rule's too, when it is on).</summary>
    private static IEnumerable<(string Rule, IReadOnlyList<string> CaNames)> Runs(IpsecPolicy policy)
    {
        for (var i = 0; i < policy.Rules.Count; i++)
        {
            if (CaNames(policy.Rules[i]) is { Count: > 0 } names)
            {
                yield return (string.Create(CultureInfo.InvariantCulture, $"rule {i + 1}"), names);
            }
        }

        if (policy.DefaultResponseRule && CaNames(policy.EffectiveDefaultResponseRule) is { Count: > 0 } defaultNames)
        {
            yield return ("the default response rule", defaultNames);
        }
    }

    private static List<string> CaNames(Rule rule) =>
        [.. rule.AuthenticationMethods.OfType<AuthenticationMethod.Certificate>().Select(c => c.CaName)];

    private static string Key(IReadOnlyList<string> caNames) => string.Join('\n', caNames);

    private static string Names(IReadOnlyList<string> caNames) => string.Join(" or ", caNames.Select(n => $"'{n}'"));

    /// <summary>The closest miss, so the message says what to fix: no key, expired, wrong key type, or nothing at all.</summary>
    private static string WhyNone(IReadOnlyList<PersonalCertificate> personal, IReadOnlyList<TrustedAuthority> trusted, IReadOnlyList<string> caNames, DateTimeOffset now)
    {
        // Pretend every certificate had its key and was current, to find those issued by the rule's CAs.
        var issued = personal.Where(p => caNames.Any(n => trusted.FirstOrDefault(a => a.Name.Equals(n, StringComparison.OrdinalIgnoreCase)) is { } authority
            && CertificateChooser.BuildPath(p.Certificate, authority.Certificate, [.. personal.SelectMany(q => q.Intermediates.Prepend(q.Certificate))], p.Certificate.NotBefore.ToUniversalTime().AddMinutes(1)) is not null)).ToList();
        if (issued.Count == 0)
        {
            return "the personal store holds no certificate issued by them";
        }

        var subjects = string.Join(", ", issued.Select(p => p.Certificate.Subject));
        if (issued.All(p => !p.HasPrivateKey))
        {
            return $"the certificates issued by them ({subjects}) have no private key";
        }

        return issued.Where(p => p.HasPrivateKey).All(p => !CertificateChooser.IsTimeValid(p.Certificate, now))
            ? $"the certificates with a private key issued by them ({subjects}) are expired or not yet valid"
            : $"no certificate issued by them ({subjects}) has a private key IKE can sign with (RSA, ECDSA P-256 or P-384) and a chain the personal store holds";
    }
}
