// `tenants list`: every org's status, expiry, last refresh and failures, never a token.
import { parseCommand } from '../args.js';
import { type Command, ExitCode, tableOption, tableReader } from '../context.js';
import { renderTenantTable } from '../format.js';
import { LIST_HELP } from '../help.js';

export const list: Command = {
  help: LIST_HELP,
  async run(args, ctx) {
    const { values } = parseCommand(args, { ...tableOption, json: { type: 'boolean' } }, LIST_HELP, { names: [] });
    const tenants = await tableReader(ctx, values.table, LIST_HELP).list();
    if (values.json) ctx.io.stdout(`${JSON.stringify(tenants)}\n`);
    else if (tenants.length === 0) ctx.io.stdout('no orgs in this table yet: onboard one with `tenants add`\n');
    else ctx.io.stdout(`${renderTenantTable(tenants, ctx.now())}\n`);
    return ExitCode.Ok;
  },
};
