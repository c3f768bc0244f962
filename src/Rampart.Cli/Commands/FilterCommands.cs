using System.CommandLine;
using System.Globalization;
using Rampart.Core.Policy;

namespace Rampart.Cli.Commands;

/// <summary><c>rampart filter ...</c>: add, list, delete filters of a filter list.</summary>
internal static class FilterCommands
{
    public static Command Create() => new("filter", "Manage the filters of a filter list")
    {
        Add(), List(), Delete(),
    };

    private static Command Add()
    {
        var list = new Argument<string>("list") { Description = "Filter list name" };
        var source = new Option<string>("--src") { Description = "Source: me, any, ADDRESS, CIDR or DNS name", Required = true, HelpName = "me|any|ADDR|CIDR|DNSNAME" };
        var destination = new Option<string>("--dst") { Description = "Destination: me, any, ADDRESS, CIDR or DNS name", Required = true, HelpName = "me|any|ADDR|CIDR|DNSNAME" };
        var protocol = new Option<string>("--protocol") { Description = "any, icmp, tcp, udp or a protocol number", DefaultValueFactory = _ => "any" };
        var sourcePort = new Option<ushort?>("--src-port") { Description = "Source port (tcp/udp only)", HelpName = "N" };
        var destinationPort = new Option<ushort?>("--dst-port") { Description = "Destination port (tcp/udp only)", HelpName = "N" };
        var noMirror = new Option<bool>("--no-mirror") { Description = "One-way filter (only for permit/block: securing needs mirrored filters)" };
        var description = new Option<string>("--description") { Description = "What the filter is for", DefaultValueFactory = _ => "" };
        var command = new Command("add", "Add a filter (mirrored unless --no-mirror)")
        {
            list, source, destination, protocol, sourcePort, destinationPort, noMirror, description,
        };
        command.SetAction(parse =>
        {
            if (!AddressSpec.TryParse(parse.GetValue(source)!, out var src, out var error)
                || !AddressSpec.TryParse(parse.GetValue(destination)!, out var dst, out error)
                || !Filter.TryParseProtocol(parse.GetValue(protocol)!, out var number, out error))
            {
                return Cli.Usage(error);
            }

            var filter = new Filter(src, dst, number, parse.GetValue(sourcePort), parse.GetValue(destinationPort), !parse.GetValue(noMirror), parse.GetValue(description)!);
            return Cli.Update(s => PolicyEditor.AddFilter(s, parse.GetValue(list)!, filter));
        });
        return command;
    }

    private static Command List()
    {
        var list = new Argument<string>("list") { Description = "Filter list name" };
        var json = Cli.JsonOption();
        var command = new Command("list", "List the filters of a filter list, numbered") { list, json };
        command.SetAction(parse =>
        {
            if (!Cli.Load().TryResolveFilterList(parse.GetValue(list)!, out var found, out var error))
            {
                return Cli.Fail(error);
            }

            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var filter in found.Filters)
                    {
                        PolicyJsonWriter.WriteFilter(writer, filter);
                    }

                    writer.WriteEndArray();
                });
            }

            Cli.WriteTable(["#", "SOURCE", "DESTINATION", "PROTOCOL", "SRC-PORT", "DST-PORT", "MIRRORED"],
                found.Filters.Select((f, i) => new[]
                {
                    (i + 1).ToString(CultureInfo.InvariantCulture), f.Source.ToString(), f.Destination.ToString(), Filter.ProtocolName(f.Protocol),
                    f.SourcePort?.ToString(CultureInfo.InvariantCulture) ?? "any", f.DestinationPort?.ToString(CultureInfo.InvariantCulture) ?? "any", Display.YesNo(f.Mirrored),
                }));
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Delete()
    {
        var list = new Argument<string>("list") { Description = "Filter list name" };
        var index = new Argument<int>("index") { Description = "Filter number, as 'rampart filter list' shows it" };
        var command = new Command("delete", "Delete one filter of a filter list") { list, index };
        command.SetAction(parse => Cli.Update(s => PolicyEditor.DeleteFilter(s, parse.GetValue(list)!, parse.GetValue(index))));
        return command;
    }
}
