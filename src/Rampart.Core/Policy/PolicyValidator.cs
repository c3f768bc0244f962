using System.Globalization;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Core.Policy;

/// <summary>
/// Checks a whole configuration and returns every problem as a clear message (empty = valid). Pure: no I/O.
/// The store refuses to save a snapshot with errors, so nothing invalid is ever stored.
/// </summary>
/// <remarks>
/// Authentication conflicts: two negotiating rules of one policy conflict when some filter of one and some filter
/// of the other can match the same pair of hosts (addresses overlap in either direction a mirrored filter covers;
/// protocols and ports are ignored because IKE authenticates hosts, not ports) and their ordered authentication
/// method lists differ. Only one authentication method can be used between a pair of hosts.
/// </remarks>
public static class PolicyValidator
{
    public static IReadOnlyList<string> Validate(PolicySnapshot snapshot)
    {
        var errors = new List<string>();
        CheckUniqueNames(errors, "policy", snapshot.Policies.Select(p => p.Name));
        CheckUniqueNames(errors, "filter list", snapshot.FilterLists.Select(l => l.Name));
        CheckUniqueNames(errors, "filter action", snapshot.FilterActions.Select(a => a.Name));
        foreach (var list in snapshot.FilterLists)
        {
            errors.AddRange(ValidateFilterList(list));
        }

        foreach (var action in snapshot.FilterActions)
        {
            errors.AddRange(ValidateFilterAction(action));
        }

        foreach (var policy in snapshot.Policies)
        {
            errors.AddRange(ValidatePolicy(snapshot, policy));
        }

        if (snapshot.AssignedPolicyName is { } assigned && snapshot.FindPolicy(assigned) is null)
        {
            errors.Add(NameSuggestion.NotFound("policy", assigned, snapshot.Policies.Select(p => p.Name)) + " (it is the assigned policy)");
        }

        return errors;
    }

    public static IEnumerable<string> ValidateFilterList(FilterList list)
    {
        if (CheckName("filter list", list.Name) is { } nameError)
        {
            yield return nameError;
        }

        for (var i = 0; i < list.Filters.Count; i++)
        {
            var filter = list.Filters[i];
            if ((filter.SourcePort is not null || filter.DestinationPort is not null) && filter.Protocol is not (Filter.Tcp or Filter.Udp))
            {
                yield return $"filter list '{list.Name}' filter {Number(i)}: a port needs protocol tcp or udp (protocol is {Filter.ProtocolName(filter.Protocol)})";
            }

            if (filter.SourcePort == 0 || filter.DestinationPort == 0)
            {
                yield return $"filter list '{list.Name}' filter {Number(i)}: port 0 is not a port; leave the port out to match any port";
            }

            if (filter.Source == AddressSpec.Me && filter.Destination == AddressSpec.Me)
            {
                yield return $"filter list '{list.Name}' filter {Number(i)}: source and destination are both my address";
            }
        }
    }

    public static IEnumerable<string> ValidateFilterAction(FilterAction action)
    {
        if (CheckName("filter action", action.Name) is { } nameError)
        {
            yield return nameError;
        }

        var where = $"filter action '{action.Name}'";
        if (action.Kind != FilterActionKind.Negotiate)
        {
            if (action.SecurityMethods.Count > 0 || action.AcceptUnsecured || action.AllowFallbackToClear || action.SessionKeyPfs)
            {
                yield return $"{where}: security methods, fallback, accept-unsecured and PFS apply only to an action that negotiates security";
            }

            yield break;
        }

        if (action.SecurityMethods.Count == 0)
        {
            yield return $"{where}: negotiating security needs at least one security method (e.g. --method high)";
        }

        foreach (var method in action.SecurityMethods)
        {
            foreach (var error in ValidateSecurityMethod(method))
            {
                yield return $"{where}: {error}";
            }
        }
    }

    public static IEnumerable<string> ValidateSecurityMethod(SecurityMethod method)
    {
        if (method.Protocol == SaProtocol.Ah)
        {
            if (method.Cipher is not null)
            {
                yield return $"{method}: AH authenticates only and takes no cipher; use ESP for encryption";
            }

            if (method.Integrity == IntegrityAlgorithm.None)
            {
                yield return $"{method}: AH needs an integrity algorithm, e.g. ah:sha256";
            }
        }
        else if (method.Cipher is not { } cipher)
        {
            yield return $"{method}: ESP needs a cipher (null for integrity only), e.g. esp:aes-gcm-128";
        }
        else if (AlgorithmCatalog.IsAead(cipher) && method.Integrity != IntegrityAlgorithm.None)
        {
            yield return $"{method}: {AlgorithmCatalog.Name(cipher)} is an AEAD cipher and provides its own integrity; remove /{AlgorithmCatalog.Name(method.Integrity)}";
        }
        else if (!AlgorithmCatalog.IsAead(cipher) && method.Integrity == IntegrityAlgorithm.None)
        {
            yield return cipher == CipherAlgorithm.Null
                ? $"{method}: ESP with the null cipher needs an integrity algorithm, e.g. esp:null/sha256"
                : $"{method}: {AlgorithmCatalog.Name(cipher)} needs an integrity algorithm, e.g. esp:{AlgorithmCatalog.Name(cipher)}/sha256";
        }

        if (method.LifetimeSeconds <= 0 || method.LifetimeKilobytes <= 0)
        {
            yield return $"{method}: lifetimes must be positive";
        }
    }

    public static IEnumerable<string> ValidatePolicy(PolicySnapshot snapshot, IpsecPolicy policy)
    {
        if (CheckName("policy", policy.Name) is { } nameError)
        {
            yield return nameError;
        }

        var where = $"policy '{policy.Name}'";
        var keyExchange = policy.KeyExchange;
        if (keyExchange.MainModeLifetimeMinutes <= 0)
        {
            yield return $"{where}: the main mode lifetime must be at least 1 minute";
        }

        if (keyExchange.QuickModesPerMainMode < 0)
        {
            yield return $"{where}: quick modes per main mode must be 0 (unlimited) or more";
        }

        if (keyExchange.Methods.Count == 0)
        {
            yield return $"{where}: the key exchange needs at least one method (--mm-method CIPHER/HASH/GROUP)";
        }

        foreach (var method in keyExchange.Methods)
        {
            if (method.Cipher == CipherAlgorithm.Null || method.Integrity == IntegrityAlgorithm.None || method.Group == DhGroup.None)
            {
                yield return $"{where}: key exchange method {method} needs a real cipher, hash and DH group";
            }
        }

        for (var i = 0; i < policy.Rules.Count; i++)
        {
            foreach (var error in ValidateRule(snapshot, policy.Rules[i]))
            {
                yield return $"{where} rule {Number(i)}: {error}";
            }
        }

        foreach (var error in AuthenticationConflicts(snapshot, policy))
        {
            yield return $"{where}: {error}";
        }

        if (policy.DefaultResponseAuthentication is not null)
        {
            foreach (var error in ValidateAuthenticationMethods(policy.DefaultResponseAuthentication, negotiates: true))
            {
                yield return $"{where} default response rule: {error}";
            }
        }
    }

    /// <summary>Problems with deleting the policy: it must not be assigned.</summary>
    public static IEnumerable<string> CheckDeletePolicy(PolicySnapshot snapshot, IpsecPolicy policy)
    {
        if (snapshot.AssignedPolicyName is { } assigned && PolicySnapshot.NameComparer.Equals(assigned, policy.Name))
        {
            yield return $"policy '{policy.Name}' is assigned; unassign it first (rampart policy unassign \"{policy.Name}\")";
        }
    }

    public static IEnumerable<string> CheckDeleteFilterList(PolicySnapshot snapshot, FilterList list) =>
        snapshot.RulesUsingFilterList(list.Name)
            .Select(use => $"filter list '{list.Name}' is used by rule {Number(use.RuleNumber - 1)} of policy '{use.Policy.Name}'; delete that rule first");

    public static IEnumerable<string> CheckDeleteFilterAction(PolicySnapshot snapshot, FilterAction action) =>
        snapshot.RulesUsingFilterAction(action.Name)
            .Select(use => $"filter action '{action.Name}' is used by rule {Number(use.RuleNumber - 1)} of policy '{use.Policy.Name}'; delete that rule first");

    private static IEnumerable<string> ValidateRule(PolicySnapshot snapshot, Rule rule)
    {
        var list = snapshot.FindFilterList(rule.FilterListName);
        if (list is null)
        {
            yield return NameSuggestion.NotFound("filter list", rule.FilterListName, snapshot.FilterLists.Select(l => l.Name));
        }

        var action = snapshot.FindFilterAction(rule.FilterActionName);
        if (action is null)
        {
            yield return NameSuggestion.NotFound("filter action", rule.FilterActionName, snapshot.FilterActions.Select(a => a.Name));
        }

        var negotiates = action?.Kind == FilterActionKind.Negotiate;
        foreach (var error in ValidateAuthenticationMethods(rule.AuthenticationMethods, negotiates))
        {
            yield return error;
        }

        if (rule.TunnelEndpoint is not null && action is not null && !negotiates)
        {
            yield return $"a tunnel endpoint needs an action that negotiates security ('{action.Name}' is {action.Kind.ToString().ToLowerInvariant()})";
        }

        if (negotiates && list is not null)
        {
            for (var i = 0; i < list.Filters.Count; i++)
            {
                if (!list.Filters[i].Mirrored)
                {
                    yield return $"filter {Number(i)} of filter list '{list.Name}' is one-way (not mirrored) and the action '{rule.FilterActionName}' negotiates security: one-way IPsec protection is not allowed; mirror the filter";
                }
            }
        }
    }

    private static IEnumerable<string> ValidateAuthenticationMethods(EquatableList<AuthenticationMethod> methods, bool negotiates)
    {
        if (negotiates && methods.Count == 0)
        {
            yield return "a rule that negotiates security needs at least one authentication method (--auth kerberos|psk:KEY|cert:CA-NAME)";
        }

        foreach (var method in methods)
        {
            if (method is AuthenticationMethod.PreSharedKey psk && string.IsNullOrWhiteSpace(psk.Secret))
            {
                yield return "the pre-shared key is blank; you must not use a blank key";
            }

            if (method is AuthenticationMethod.Certificate certificate && string.IsNullOrWhiteSpace(certificate.CaName))
            {
                yield return "a certificate method needs the name of a certification authority (cert:CA-NAME)";
            }
        }

        if (methods.Distinct().Count() != methods.Count)
        {
            yield return "an authentication method is listed twice";
        }

        var certificatePositions = methods.Select((m, i) => (m, i)).Where(x => x.m is AuthenticationMethod.Certificate).Select(x => x.i).ToList();
        if (certificatePositions.Count > 1 && certificatePositions[^1] - certificatePositions[0] != certificatePositions.Count - 1)
        {
            yield return "certificate methods must be contiguous in the authentication list (IKE sends their CAs as one ordered list of certificate requests)";
        }
    }

    private static IEnumerable<string> AuthenticationConflicts(PolicySnapshot snapshot, IpsecPolicy policy)
    {
        var negotiating = policy.Rules
            .Select((rule, index) => (rule, index, list: snapshot.FindFilterList(rule.FilterListName)))
            .Where(x => x.list is not null && snapshot.FindFilterAction(x.rule.FilterActionName)?.Kind == FilterActionKind.Negotiate)
            .ToList();
        for (var a = 0; a < negotiating.Count; a++)
        {
            for (var b = a + 1; b < negotiating.Count; b++)
            {
                var first = negotiating[a];
                var second = negotiating[b];
                if (first.rule.AuthenticationMethods.Equals(second.rule.AuthenticationMethods))
                {
                    continue;
                }

                var overlap = first.list!.Filters.SelectMany(f => second.list!.Filters.Where(f.OverlapsHostPairs).Select(g => (f, g))).FirstOrDefault();
                if (overlap.f is not null)
                {
                    yield return $"rules {Number(first.index)} and {Number(second.index)} need different authentication methods ({string.Join(", ", first.rule.AuthenticationMethods)} vs {string.Join(", ", second.rule.AuthenticationMethods)}) between the same pair of hosts ({overlap.f} overlaps {overlap.g}); only one authentication method can be used between a pair of hosts";
                }
            }
        }
    }

    private static void CheckUniqueNames(List<string> errors, string kind, IEnumerable<string> names) =>
        errors.AddRange(names.GroupBy(n => n, PolicySnapshot.NameComparer).Where(g => g.Count() > 1).Select(g => $"two {kind} objects are named '{g.Key}'"));

    private static string? CheckName(string kind, string name) =>
        string.IsNullOrWhiteSpace(name) ? $"a {kind} needs a name"
        : name.Length > 255 ? $"{kind} name '{name[..20]}...' is longer than 255 characters"
        : name.Any(char.IsControl) ? $"{kind} name contains a control character"
        : name != name.Trim() ? $"{kind} name '{name}' starts or ends with a space"
        : null;

    private static string Number(int index) => (index + 1).ToString(CultureInfo.InvariantCulture);
}
