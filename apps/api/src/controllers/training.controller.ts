import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Allow } from '../auth/auth.decorators';
import { ApiErrors } from '../openapi/api-docs';
import { EXAMPLES } from '../openapi/examples';
import { PresetQueryDto, TrainingDatasetsDto, TrainingPresetDto } from '../dtos/training-catalog.dto';
import { TrainingCatalogService } from '../services/training-catalog.service';

/** What launching a training needs: the configuration's schema, the datasets and the presets. */
@ApiTags('training')
@Controller('api/v1/training')
export class TrainingController {
  constructor(private readonly catalog: TrainingCatalogService) {}

  @Get('config-schema')
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'The training configuration as a JSON Schema',
    description:
      "Derived from the zod schema that validates a job's `config` (one source of truth): every option with its " +
      "description, default and range. The console's launch form is generated from it; the trainer CLI's --help prints it.",
  })
  @ApiOkResponse({
    description: 'A JSON Schema (OpenAPI 3 flavour, inlined)',
    schema: { type: 'object', additionalProperties: true },
    example: EXAMPLES.trainingConfigSchema,
  })
  configSchema(): Record<string, unknown> {
    return this.catalog.configSchema();
  }

  @Get('datasets')
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'Datasets a training job can use',
    description:
      'Folders of <class>/<image> under TRAINING_DATA_ROOTS (their `name` is what `dataset.path` takes), the QA ' +
      "reviews a 'reviews' job would freeze and the label sets frozen before, each with its class counts.",
  })
  @ApiOkResponse({ type: TrainingDatasetsDto, example: EXAMPLES.trainingDatasets })
  datasets(): Promise<TrainingDatasetsDto> {
    return this.catalog.datasets();
  }

  @Get('presets')
  @Allow('admin', 'ml_engineer')
  @ApiOperation({
    summary: 'Training presets with a duration estimate on this host',
    description:
      'Each preset shows the configuration it sets and an estimate of its duration for a dataset: training images x ' +
      'epochs / images per second, where images/s is the rate a finished job of that architecture reached on this ' +
      "host, or else the bench's measured reference rate scaled by input pixels. Rough; early stopping may end sooner.",
  })
  @ApiOkResponse({ type: [TrainingPresetDto], example: [EXAMPLES.trainingPreset] })
  @ApiErrors([400, 'dataset_not_found: no such dataset folder under the roots'])
  presets(@Query() query: PresetQueryDto): Promise<TrainingPresetDto[]> {
    return this.catalog.presets(query.dataset);
  }
}
