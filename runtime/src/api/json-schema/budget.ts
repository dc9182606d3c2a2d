import { WORK_BUDGET } from './limits.js';
import { refuse } from './refusal.js';

/** Counts the work all the schemas of one request cause; past the budget the request is refused. */
export class WorkBudget {
  private spent = 0;

  constructor(private readonly limit = WORK_BUDGET) {}

  spend(param: string, units = 1): void {
    this.spent += units;
    if (this.spent > this.limit) {
      throw refuse(param, `makes the request's JSON schemas too large to check: more than ${this.limit} subschemas, literals and ` +
        'alternatives in all (references and allOf/anyOf with sibling keywords multiply them). Use smaller schemas.');
    }
  }
}
