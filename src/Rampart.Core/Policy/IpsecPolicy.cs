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
    KeyExchangeSettings KeyExchange)
{
    /// <summary>A new empty policy with the default key exchange settings.</summary>
    public static IpsecPolicy Create(string name, string description = "", bool defaultResponseRule = true) =>
        new(name, description, EquatableList.Empty<Rule>(), defaultResponseRule, KeyExchangeSettings.Default);
}
