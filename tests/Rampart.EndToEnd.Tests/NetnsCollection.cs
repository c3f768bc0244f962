namespace Rampart.EndToEnd.Tests;

/// <summary>Two-host tests run one at a time: they share two cores and real timers.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetnsCollection
{
    public const string Name = "network namespaces";
}
