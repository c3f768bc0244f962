namespace Rampart.Core.Filtering;

/// <summary>One line of the exemption list: what is never secured, in words (<c>rampart agent status</c>).</summary>
public sealed record Exemption(string Name, string Traffic);
