namespace Rampart.Core.Policy;

/// <summary>
/// A named IPsec policy: ordered rules (first match wins), whether the default response rule is active,
/// and the key exchange (main mode) settings.
/// </summary>
public sealed record IpsecPolicy(
    string Name,
    string Description,
    EquatableList<Rule> Rules,
    bool DefaultResponseRule,
    KeyExchangeSettings KeyExchange,
    EquatableList<AuthenticationMethod>? DefaultResponseAuthentication = null)
{
    /// <summary>
    /// The default response rule as this policy runs it: its authentication methods are editable (as they were in
    /// Windows 2000); unset, they are the built-ins' Kerberos.
    /// </summary>
    public Rule EffectiveDefaultResponseRule => DefaultResponseAuthentication is { Count: > 0 } methods
        ? DefaultResponse.Rule with { AuthenticationMethods = methods }
        : DefaultResponse.Rule;

    /// <summary>A new empty policy with the default key exchange settings.</summary>
    public static IpsecPolicy Create(string name, string description = "", bool defaultResponseRule = true) =>
        new(name, description, EquatableList.Empty<Rule>(), defaultResponseRule, KeyExchangeSettings.Default);
}
