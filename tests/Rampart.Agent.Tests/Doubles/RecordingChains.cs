using Rampart.DataPath.Linux;

namespace Rampart.Agent.Tests.Doubles;

/// <summary>The netfilter chains' edge in memory: what the agent asked of them, in order ("install", "remove").</summary>
internal sealed class RecordingChains : INetfilterChains
{
    private readonly Lock _gate = new();
    private readonly List<string> _calls = [];

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Whether the chains are in place now.</summary>
    public bool Installed
    {
        get
        {
            lock (_gate)
            {
                return _calls.Count > 0 && _calls[^1] == "install";
            }
        }
    }

    public void Install() => Record("install");

    public void Remove() => Record("remove");

    private void Record(string call)
    {
        lock (_gate)
        {
            _calls.Add(call);
        }
    }
}
