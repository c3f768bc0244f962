namespace Rampart.Integration.Tests.Harness;

/// <summary>Namespace tests run one at a time: they share two cores and measure throughput.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NetnsCollection
{
    public const string Name = "network namespaces";
}
