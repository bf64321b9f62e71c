/** The FHIR operations, registered in one table (STYLE.md habit 2). */
import type { RouteGroup } from '../../http/app.ts';
import { claimInquireRoute } from './claim-inquire.ts';
import { claimResponseReadRoute } from './claim-response-read.ts';
import { claimSubmitRoute } from './claim-submit.ts';
import { coverageEligibilityRequestSubmitRoute } from './coverage-eligibility-request-submit.ts';
import { payerDirectoryRoute } from './payer-directory.ts';

export const FHIR_OPERATIONS: RouteGroup[] = [claimSubmitRoute, claimInquireRoute, claimResponseReadRoute, coverageEligibilityRequestSubmitRoute, payerDirectoryRoute];
