using System.Globalization;
using System.Net;
using Rampart.Core.Policy;

namespace Rampart.Store.CrashWriter;

/// <summary>
/// A deterministic sequence of states: after write N the filter list "Crash" holds filters 1..N, the policy "Crash"
/// is described as "N", and it is assigned when N is even. Each write touches three tables, so a torn write shows.
/// </summary>
public static class CrashSteps
{
    public const string Name = "Crash";

    public static PolicyEdit Setup(PolicySnapshot snapshot) =>
        PolicyEdit.Ok(snapshot.WithFilterList(new FilterList(Name, "", EquatableList.Empty<Filter>())).WithPolicy(IpsecPolicy.Create(Name, "0")), "0");

    public static PolicyEdit Next(PolicySnapshot snapshot)
    {
        var count = snapshot.FindFilterList(Name)!.Filters.Count + 1;
        return PolicyEdit.Ok(Expected(snapshot, count), count.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The state after <paramref name="count"/> writes, built from any state of the sequence.</summary>
    public static PolicySnapshot Expected(PolicySnapshot snapshot, int count)
    {
        var filters = Enumerable.Range(1, count)
            .Select(i => new Filter(AddressSpec.Me, new AddressSpec.Host(IPAddress.Parse($"192.0.2.{(i % 254) + 1}")), Filter.Tcp, DestinationPort: (ushort)i))
            .ToEquatableList();
        return snapshot.WithFilterList(new FilterList(Name, "", filters))
            .WithPolicy(IpsecPolicy.Create(Name, count.ToString(CultureInfo.InvariantCulture)))
            with
        { AssignedPolicyName = count % 2 == 0 ? Name : null };
    }
}
