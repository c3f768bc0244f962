namespace Rampart.DataPath.Linux;

/// <summary>The chains that send this host's traffic to the packet queues (<see cref="NetfilterRules"/>; a recording double in tests).</summary>
public interface INetfilterChains
{
    void Install();

    void Remove();
}
