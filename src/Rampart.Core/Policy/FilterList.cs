namespace Rampart.Core.Policy;

/// <summary>A named, reusable set of filters ("All IP Traffic", "Partner Filter").</summary>
public sealed record FilterList(string Name, string Description, EquatableList<Filter> Filters);
