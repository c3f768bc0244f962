using Rampart.Core.SecurityAssociations;

namespace Rampart.Agent.Bindings;

/// <summary>
/// Manual bindings (<c>rampart sa add</c>): an SA with keys given by hand, serving all traffic between its two
/// addresses, or only its description when the keys were lost (the agent stopped or restarted): then its selector
/// stays reserved, so that traffic is dropped, not sent in clear, until the SA is added again or deleted.
/// </summary>
internal sealed partial class BindingManager
{
    private readonly Dictionary<uint, ManualBinding> _manual = [];

    /// <summary>Manual SAs, with keys or keys lost: while there is one, the netfilter chains must stay.</summary>
    public int ManualCount => _manual.Count;

    public IReadOnlyCollection<ManualBinding> Manual => _manual.Values;

    /// <summary>True when <paramref name="spi"/> is a manual SA installed with its keys.</summary>
    public bool IsManual(uint spi) => _manual.TryGetValue(spi, out var manual) && !manual.KeysLost;

    /// <summary>At start: the manual SAs a previous agent had (descriptions only); their selectors are reserved.</summary>
    public void RememberKeysLost(IEnumerable<ManualBinding> remembered)
    {
        ArgumentNullException.ThrowIfNull(remembered);
        foreach (var lost in remembered)
        {
            if (_manual.TryAdd(lost.Spi, lost with { Spec = null }) && lost.Outbound)
            {
                dataPath.RequireSecurity(lost.Selector);
            }
        }
    }

    /// <summary>Installs a manual SA (it takes the place of a remembered one with its SPI); false with the reason when it cannot.</summary>
    public bool TryAddManual(ManualBinding manual, out string? error)
    {
        ArgumentNullException.ThrowIfNull(manual);
        var spec = manual.Spec ?? throw new ArgumentException("a manual SA to install needs its keys", nameof(manual));
        if (IsManual(manual.Spi))
        {
            error = $"SPI {manual.Spi} is already in use; delete it first";
            return false;
        }

        if (manual.Outbound)
        {
            dataPath.InstallOutbound(manual.Selector, spec, out _);
        }
        else if (!dataPath.InstallInbound(manual.Selector, spec, out _))
        {
            error = $"SPI {manual.Spi} is already in use by an SA negotiated by IKE";
            return false;
        }

        _manual[manual.Spi] = manual;
        error = null;
        return true;
    }

    /// <summary>Removes a manual SA (or the description of one whose keys were lost); false when there is none with that SPI.</summary>
    public bool TryDeleteManual(uint spi, out ManualBinding deleted)
    {
        if (!_manual.Remove(spi, out deleted!))
        {
            return false;
        }

        var selector = deleted.Selector;
        if (!deleted.Outbound)
        {
            dataPath.RemoveInbound(spi);
        }
        else if (!deleted.KeysLost || !_manual.Values.Any(m => m.Outbound && m.Selector == selector))
        {
            // A remembered selector is released only when no other manual SA serves it, and stays reserved while one
            // whose keys were lost still covers it.
            dataPath.RemoveOutbound(selector);
            if (_manual.Values.Any(m => m.KeysLost && m.Outbound && m.Selector == selector))
            {
                dataPath.RequireSecurity(selector);
            }
        }

        return true;
    }

    /// <summary>
    /// <c>rampart agent restart</c> (the data path was reset, the keys are gone): as after a real restart, the manual SAs
    /// are remembered without keys and their selectors reserved.
    /// </summary>
    private void LoseManualKeys()
    {
        foreach (var manual in _manual.Values.ToList())
        {
            _manual[manual.Spi] = manual with { Spec = null };
            if (manual.Outbound)
            {
                dataPath.RequireSecurity(manual.Selector);
            }
        }
    }
}

/// <summary>
/// A manual SA as the agent keeps it: its description for <c>rampart sa list</c> and <c>manual-sas.json</c> (never keys),
/// the selector it serves and, while the agent has the keys, its spec (installed in the data path).
/// </summary>
internal sealed record ManualBinding(DataPath.SaRow Row, TrafficSelector Selector, SecurityAssociationSpec? Spec)
{
    public uint Spi => Row.Spi;

    public bool Outbound => Row.Direction == "outbound";

    public bool KeysLost => Spec is null;
}
